/**
 * The TMAI/USD price port: sources read a price, one guard decides whether it is usable for quoting.
 * Sources throw on infrastructure failures (typed errors); the guarded feed turns everything into values, so a
 * 402 can always say why TMAI is missing instead of failing.
 */
import { shortMessage } from '../../chain/errors'
import { parseDecimal } from '../../lib/money'

export type PriceSourceKind = 'fixed' | 'dex-twap' | 'http-api'

export interface PriceReading {
  /** USD per whole TMAI, a plain decimal string ("0.000705"). */
  usd: string
  /** When the price was observed (block time, API update time), ms epoch. */
  observedAt: number
  source: PriceSourceKind
  /** What a human needs to trust or debug the reading (pool, window, ticks, API URL). */
  detail?: Record<string, unknown>
}

export interface TmaiPriceSource {
  /** @throws {PriceSourceError} (or a chain/HTTP error) when no reading can be produced. */
  read(): Promise<PriceReading>
}

export type PriceRejectionReason = 'stale' | 'out_of_band' | 'unavailable'

export interface PriceRejection {
  ok: false
  reason: PriceRejectionReason
  message: string
}

export type ReadingValidation = { ok: true; reading: PriceReading } | PriceRejection

/** What a source can fail with besides transport errors; `code` says which check failed. */
export type PriceSourceErrorCode =
  | 'insufficient_history'
  | 'low_liquidity'
  | 'pool_mismatch'
  | 'bad_response'
  | 'misconfigured'

export class PriceSourceError extends Error {
  override name = 'PriceSourceError'
  readonly source: PriceSourceKind
  readonly code: PriceSourceErrorCode
  constructor(args: {
    source: PriceSourceKind
    code: PriceSourceErrorCode
    message: string
    cause?: unknown
  }) {
    super(`${args.source}: ${args.message}`, { cause: args.cause })
    this.source = args.source
    this.code = args.code
  }
}

export interface GuardRules {
  /** ms epoch. */
  now: number
  /** A reading observed longer ago than this is stale. */
  maxAgeMs: number
  /** Inclusive band of plausible TMAI/USD prices (decimal strings); outside it the reading is refused. */
  minUsd: string
  maxUsd: string
  /** A reading stamped further in the future than this means a clock we cannot trust. @default 60_000 */
  maxFutureMs?: number
}

/** Whether a reading is recent enough (and not from a clock ahead of ours); undefined when it is. */
export function freshnessProblem(reading: PriceReading, rules: GuardRules): PriceRejection | undefined {
  if (!Number.isFinite(reading.observedAt))
    return reject('unavailable', `${reading.source} returned no observation time`)
  const ageMs = rules.now - reading.observedAt
  if (ageMs > rules.maxAgeMs) {
    return reject(
      'stale',
      `${reading.source} price ${reading.usd} is ${seconds(ageMs)} old (limit ${seconds(rules.maxAgeMs)})`,
    )
  }
  if (-ageMs > (rules.maxFutureMs ?? 60_000)) {
    return reject(
      'stale',
      `${reading.source} price is stamped ${seconds(-ageMs)} in the future; clocks disagree`,
    )
  }
  return undefined
}

/** Whether a reading may be used for quotes: fresh enough and inside the configured band. Never throws. */
export function validateReading(reading: PriceReading, rules: GuardRules): ReadingValidation {
  let usd: { numerator: bigint; denominator: bigint }
  try {
    usd = parseDecimal(reading.usd)
  } catch {
    return reject(
      'unavailable',
      `${reading.source} returned a price that is not a decimal: ${JSON.stringify(reading.usd)}`,
    )
  }
  const stale = freshnessProblem(reading, rules)
  if (stale) return stale
  const min = parseDecimal(rules.minUsd)
  const max = parseDecimal(rules.maxUsd)
  if (usd.numerator === 0n || compare(usd, min) < 0 || compare(usd, max) > 0) {
    return reject(
      'out_of_band',
      `${reading.source} price ${reading.usd} USD is outside the accepted band [${rules.minUsd}, ${rules.maxUsd}]`,
    )
  }
  return { ok: true, reading }
}

export interface GuardedFeedOptions {
  maxAgeMs: number
  minUsd: string
  maxUsd: string
  /** How long one read (or one failure) is reused before asking the source again. @default 10_000 */
  cacheMs?: number
  maxFutureMs?: number
  now?: () => number
  /** Called once per fresh read that is refused (not per cache hit), e.g. to log why TMAI is not offered. */
  onRejection?: (rejection: PriceRejection, error?: unknown) => void
}

/** A usable reading (`ok` plus the reading's fields) or why there is none. Compatible with the quote book's feed port. */
export type GuardedPriceResult = ({ ok: true } & PriceReading) | PriceRejection

export interface GuardedPriceFeed {
  /** Never throws. */
  current(): Promise<GuardedPriceResult>
}

/**
 * Wraps a source with the guard and a short cache. Concurrent callers share one read. When a read fails
 * (`unavailable`, `stale`) the last good reading is served for as long as it still passes the guard itself; a fresh
 * reading outside the band discards it, since the market has said that price no longer holds.
 */
export function createGuardedPriceFeed(
  source: TmaiPriceSource,
  options: GuardedFeedOptions,
): GuardedPriceFeed {
  if (compare(parseDecimal(options.minUsd), parseDecimal(options.maxUsd)) > 0)
    throw new Error(`TMAI price band is empty: minUsd ${options.minUsd} > maxUsd ${options.maxUsd}`)
  const now = options.now ?? Date.now
  const cacheMs = options.cacheMs ?? 10_000
  const rules = (): GuardRules => ({
    now: now(),
    maxAgeMs: options.maxAgeMs,
    minUsd: options.minUsd,
    maxUsd: options.maxUsd,
    maxFutureMs: options.maxFutureMs,
  })

  let lastGood: PriceReading | undefined
  let cached: { at: number; result: ReadingValidation } | undefined
  let inFlight: Promise<ReadingValidation> | undefined

  async function refresh(): Promise<ReadingValidation> {
    let result: ReadingValidation
    let error: unknown
    try {
      result = validateReading(await source.read(), rules())
    } catch (caught) {
      error = caught
      result = reject('unavailable', shortMessage(caught))
    }
    if (result.ok) lastGood = result.reading
    else {
      try {
        options.onRejection?.(result, error)
      } catch {
        // A failing logger must not turn a missing price into an exception on the 402 path.
      }
      if (result.reason === 'out_of_band') lastGood = undefined
    }
    cached = { at: now(), result }
    return result
  }

  async function current(): Promise<GuardedPriceResult> {
    let result: ReadingValidation
    if (cached && now() - cached.at < cacheMs) result = cached.result
    else {
      inFlight ??= refresh().finally(() => {
        inFlight = undefined
      })
      result = await inFlight
    }
    // Re-check its age on every call: a cached reading can go stale before the cache expires (its band cannot).
    if (result.ok) result = freshnessProblem(result.reading, rules()) ?? result
    if (!result.ok && result.reason !== 'out_of_band' && lastGood) {
      const fallback = validateReading(lastGood, rules())
      if (fallback.ok)
        result = {
          ok: true,
          reading: { ...lastGood, detail: { ...lastGood.detail, lastReadFailed: result.message } },
        }
    }
    return result.ok ? { ok: true, ...result.reading } : result
  }

  return { current }
}

function reject(reason: PriceRejectionReason, message: string): PriceRejection {
  return { ok: false, reason, message }
}

function compare(
  a: { numerator: bigint; denominator: bigint },
  b: { numerator: bigint; denominator: bigint },
): number {
  const left = a.numerator * b.denominator
  const right = b.numerator * a.denominator
  return left < right ? -1 : left > right ? 1 : 0
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
