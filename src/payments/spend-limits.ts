import { retryWhileBusy } from '../db/busy'
import type { Db } from '../db/client'
import {
  decrementCounter,
  getCounter,
  getOverride,
  getPolicy,
  incrementWithinCap,
  pruneCounters,
} from '../db/queries/spend'
import type { Payment } from '../db/schema'
import { type UsdMicros, usdMicros } from '../lib/money'

/** Caps; null = no cap. */
export interface SpendCaps {
  perCall: UsdMicros | null
  perPayerHour: UsdMicros | null
  perPayerDay: UsdMicros | null
  perEndpointDay: UsdMicros | null
}

export type LimitName = 'per_call' | 'payer_hour' | 'payer_day' | 'endpoint_day'

export interface SpendHold {
  scope: string
  windowStart: number
  amount: UsdMicros
}

export type SpendDecision =
  /** `atSeconds`: the instant whose windows were charged (give it back with `releasePayment`). */
  | { ok: true; holds: SpendHold[]; atSeconds: number }
  | {
      ok: false
      limit: LimitName
      /** Who set the binding cap. */
      setBy: 'operator' | 'override' | 'payer_policy'
      capMicros: UsdMicros
      remainingMicros: UsdMicros
      /** Unix seconds when the window resets (per-call caps never reset: null). */
      resetsAt: number | null
      /** Seconds until then, by the limiter's own clock. */
      retryAfterSeconds: number | null
    }

const HOUR = 3600
const DAY = 86_400

/**
 * The counters one payment moves, at `atSeconds`: the payer's clock hour and UTC day, and the endpoint's UTC day.
 * The one place scope names and window starts are derived, so reserving, releasing and reporting always agree.
 */
function counterWindows(payer: string, route: string, atSeconds: number) {
  const hourStart = atSeconds - (atSeconds % HOUR)
  const dayStart = atSeconds - (atSeconds % DAY)
  return [
    { limit: 'payer_hour', scope: `payer-hour:${payer}`, windowStart: hourStart, length: HOUR },
    { limit: 'payer_day', scope: `payer-day:${payer}`, windowStart: dayStart, length: DAY },
    { limit: 'endpoint_day', scope: `endpoint-day:${route}`, windowStart: dayStart, length: DAY },
  ] as const satisfies readonly {
    limit: Exclude<LimitName, 'per_call'>
    scope: string
    windowStart: number
    length: number
  }[]
}
/** Stands in for "no cap" in the counter statements (well inside SQLite's integer range). */
const UNCAPPED = BigInt(Number.MAX_SAFE_INTEGER)

interface EffectiveCap {
  cap: UsdMicros | null
  setBy: 'operator' | 'override' | 'payer_policy'
}

/** Micro-dollar columns come back from the database as numbers (the db edge); caps work in bigint. */
const fromColumn = (micros: number | null | undefined): UsdMicros | null | undefined =>
  micros === null || micros === undefined ? micros : BigInt(micros)

function tighter(
  a: EffectiveCap,
  cap: UsdMicros | null | undefined,
  setBy: EffectiveCap['setBy'],
): EffectiveCap {
  if (cap === null || cap === undefined) return a
  return a.cap === null || cap < a.cap ? { cap, setBy } : a
}

/**
 * Server-side payer budgets. Each request's USD value is added to per-payer hour and day counters and a per-endpoint
 * day counter with conditional single-statement upserts, so concurrent requests can never push a counter past its
 * cap. When one counter refuses, the ones already taken are given back.
 */
export class SpendLimiter {
  constructor(
    private readonly db: Db,
    private readonly defaults: SpendCaps,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The caps that apply to `payer` now: operator defaults, replaced by an operator override, tightened by the payer's policy. */
  async capsFor(payer: string) {
    const now = this.nowSeconds()
    const [override, policy] = await Promise.all([getOverride(this.db, payer), getPolicy(this.db, payer)])
    const activePolicy = policy && policy.validUntil > now ? policy : undefined
    const base = (operator: UsdMicros | null, overridden: number | null | undefined): EffectiveCap =>
      overridden !== null && overridden !== undefined
        ? { cap: BigInt(overridden), setBy: 'override' }
        : { cap: operator, setBy: 'operator' }
    return {
      perCall: tighter(
        base(this.defaults.perCall, override?.maxUsdMicrosPerCall),
        fromColumn(activePolicy?.maxUsdMicrosPerCall),
        'payer_policy',
      ),
      perPayerHour: base(this.defaults.perPayerHour, override?.maxUsdMicrosPerHour),
      perPayerDay: tighter(
        base(this.defaults.perPayerDay, override?.maxUsdMicrosPerDay),
        fromColumn(activePolicy?.maxUsdMicrosPerDay),
        'payer_policy',
      ),
      perEndpointDay: { cap: this.defaults.perEndpointDay, setBy: 'operator' as const },
      policy: activePolicy,
      override,
    }
  }

  async reserve(args: { payer: string; route: string; usdMicros: UsdMicros }): Promise<SpendDecision> {
    const payer = args.payer.toLowerCase()
    const now = this.nowSeconds()
    const caps = await this.capsFor(payer)
    if (caps.perCall.cap !== null && args.usdMicros > caps.perCall.cap) {
      return {
        ok: false,
        limit: 'per_call',
        setBy: caps.perCall.setBy,
        capMicros: caps.perCall.cap,
        remainingMicros: caps.perCall.cap,
        resetsAt: null,
        retryAfterSeconds: null,
      }
    }
    const capOf: Record<Exclude<LimitName, 'per_call'>, EffectiveCap> = {
      payer_hour: caps.perPayerHour,
      payer_day: caps.perPayerDay,
      endpoint_day: caps.perEndpointDay,
    }
    const counters = counterWindows(payer, args.route, now).map((w) => ({ ...w, cap: capOf[w.limit] }))
    const holds: SpendHold[] = []
    for (const counter of counters) {
      const cap = counter.cap.cap ?? UNCAPPED
      let total: number | undefined
      try {
        total = await retryWhileBusy('spend counter', () =>
          incrementWithinCap(this.db, {
            scope: counter.scope,
            windowStart: counter.windowStart,
            amount: Number(args.usdMicros),
            cap: Number(cap),
          }),
        )
      } catch (error) {
        // A fault halfway must not leave the counters already taken holding spend nobody will give back.
        await this.release(holds).catch(() => {})
        throw error
      }
      if (total === undefined) {
        await this.release(holds)
        const used = BigInt(await getCounter(this.db, counter.scope, counter.windowStart))
        return {
          ok: false,
          limit: counter.limit,
          setBy: counter.cap.setBy,
          capMicros: cap,
          remainingMicros: cap > used ? cap - used : 0n,
          resetsAt: counter.windowStart + counter.length,
          retryAfterSeconds: Math.max(1, counter.windowStart + counter.length - now),
        }
      }
      holds.push({ scope: counter.scope, windowStart: counter.windowStart, amount: args.usdMicros })
    }
    return { ok: true, holds, atSeconds: now }
  }

  /** Gives back what a request took (it was not charged). */
  async release(holds: SpendHold[]): Promise<void> {
    for (const hold of holds) {
      await retryWhileBusy('spend release', () =>
        decrementCounter(this.db, {
          scope: hold.scope,
          windowStart: hold.windowStart,
          amount: Number(hold.amount),
        }),
      )
    }
  }

  /** Gives back the spend of a payment made at `atSeconds` that turned out not to be charged (reconciled as failed). */
  async releasePayment(args: {
    payer: string
    route: string
    usdMicros: UsdMicros
    atSeconds: number
  }): Promise<void> {
    const windows = counterWindows(args.payer.toLowerCase(), args.route, args.atSeconds)
    await this.release(
      windows.map((w) => ({ scope: w.scope, windowStart: w.windowStart, amount: args.usdMicros })),
    )
  }

  /** Gives back the spend a ledger row holds (none when its spend was never reserved): a payment never charged. */
  releaseHeldBy(row: Pick<Payment, 'payer' | 'route' | 'usdValue' | 'spendAt'>): Promise<void> {
    if (row.spendAt === null) return Promise.resolve()
    return this.releasePayment({
      payer: row.payer,
      route: row.route,
      usdMicros: usdMicros(row.usdValue),
      atSeconds: row.spendAt,
    })
  }

  /** Drops counters of windows that closed more than a day ago. */
  prune(): Promise<void> {
    return pruneCounters(this.db, this.nowSeconds() - 2 * DAY)
  }

  async usage(
    payer: string,
  ): Promise<{ hourMicros: UsdMicros; dayMicros: UsdMicros; hourResetsAt: number; dayResetsAt: number }> {
    // The payer's own windows (the endpoint counter is not the payer's).
    const [hour, day] = counterWindows(payer.toLowerCase(), '', this.nowSeconds())
    return {
      hourMicros: BigInt(await getCounter(this.db, hour.scope, hour.windowStart)),
      dayMicros: BigInt(await getCounter(this.db, day.scope, day.windowStart)),
      hourResetsAt: hour.windowStart + hour.length,
      dayResetsAt: day.windowStart + day.length,
    }
  }
}
