/**
 * Resumable, idempotent candle ingestion: for each symbol, page forward from
 * `max(since, cursor + 1 interval)`, and after every page upsert the candles, then advance the cursor.
 *
 * - Interrupted runs resume where they stopped; pages before the cursor are never fetched again.
 * - Re-running is harmless: the store upserts by (symbol, time), so no duplicates.
 * - A failing symbol is recorded in `errors` and the run moves on, except when the source is rate-limiting or
 *   banning us (HTTP 418/429 after retries): then the remaining symbols are skipped rather than hammering it.
 */
import { Candle, type Interval } from '../lib/candle'
import { SourceHttpError } from './sources/errors'
import type { CandleSource, CandleStore } from './sources/source'
import { intervalMs, isoSeconds, parseInstant } from './sources/time'

export interface IngestProgressEvent {
  symbol: string
  /** 0-based position of `symbol` in the run. */
  index: number
  total: number
  /** `page`: a page was stored; `done`: the symbol finished; `error`: it failed (see `error`). */
  phase: 'page' | 'done' | 'error'
  /** Candles stored for this symbol so far in this run. */
  candles: number
  /** Cursor after the event (newest stored bar), null if nothing stored yet. */
  lastTime: string | null
  error?: string
}

export interface RunIngestionParams {
  source: CandleSource
  store: CandleStore
  symbols: readonly string[]
  interval: Interval
  /** ISO date or date-time; the floor when there is no cursor (or the cursor is older). */
  since: string
  until?: string
  onProgress?: (event: IngestProgressEvent) => void
  /** Clock for `durationMs`. */
  now?: () => number
}

export interface IngestSymbolError {
  symbol: string
  message: string
}

export interface IngestSummary {
  source: CandleSource['id']
  interval: Interval
  /** Symbols attempted. */
  symbols: number
  pages: number
  /** Candles fetched and upserted. */
  candles: number
  /** New rows, as reported by the store. */
  inserted: number
  /** Existing rows overwritten (`candles - inserted`). */
  updated: number
  errors: IngestSymbolError[]
  durationMs: number
}

/**
 * Ingests `symbols` one after another from `source` into `store`.
 * @throws {Error} only for bad arguments (unsupported interval, unparsable `since`/`until`); source failures are
 *   reported per symbol in `summary.errors`.
 */
export async function runIngestion(params: RunIngestionParams): Promise<IngestSummary> {
  const { source, store, symbols, interval, since, until, onProgress } = params
  const now = params.now ?? Date.now
  const startedAt = now()
  if (!source.intervals.includes(interval)) {
    throw new Error(
      `${source.id} has no ${interval} candle history (supports: ${source.intervals.join(', ') || 'none'})`,
    )
  }
  const sinceMs = parseInstant(since, 'since')
  if (until !== undefined) parseInstant(until, 'until')

  const summary: IngestSummary = {
    source: source.id,
    interval,
    symbols: symbols.length,
    pages: 0,
    candles: 0,
    inserted: 0,
    updated: 0,
    errors: [],
    durationMs: 0,
  }

  for (const [index, symbol] of symbols.entries()) {
    const progress = { symbol, index, total: symbols.length, candles: 0, lastTime: null as string | null }
    try {
      progress.lastTime = await store.getCursor(source.id, symbol, interval)
      const resumeMs =
        progress.lastTime === null ? sinceMs : parseInstant(progress.lastTime) + intervalMs(interval)
      const start = isoSeconds(Math.max(sinceMs, resumeMs))

      for await (const page of source.fetchCandles({ symbol, interval, since: start, until })) {
        const candles = validatePage(page, symbol, progress.lastTime)
        if (candles.length === 0) continue
        const inserted = await store.upsertCandles(interval, candles, source.id)
        const lastTime = candles.at(-1)!.time
        await store.setCursor(source.id, symbol, interval, lastTime)

        summary.pages += 1
        summary.candles += candles.length
        summary.inserted += inserted
        summary.updated += candles.length - inserted
        progress.candles += candles.length
        progress.lastTime = lastTime
        onProgress?.({ ...progress, phase: 'page' })
      }
      onProgress?.({ ...progress, phase: 'done' })
    } catch (error) {
      const message = `${source.id} ${symbol} ${interval}: ${errorMessage(error)}`
      summary.errors.push({ symbol, message })
      onProgress?.({ ...progress, phase: 'error', error: message })
      if (isSourceRefusingUs(error)) {
        for (const skipped of symbols.slice(index + 1)) {
          summary.errors.push({
            symbol: skipped,
            message: `skipped: ${source.id} is rate-limiting this client`,
          })
        }
        break
      }
    }
  }

  summary.durationMs = now() - startedAt
  return summary
}

/** Schema-checks a page and keeps only this symbol's bars newer than the cursor, ascending and unique. */
function validatePage(page: Candle[], symbol: string, cursor: string | null): Candle[] {
  const byTime = new Map<string, Candle>()
  for (const raw of page) {
    const candle = Candle.parse(raw)
    if (candle.symbol !== symbol) throw new Error(`source returned a ${candle.symbol} bar for ${symbol}`)
    if (
      candle.low > Math.min(candle.open, candle.close) ||
      candle.high < Math.max(candle.open, candle.close)
    ) {
      throw new Error(`inconsistent OHLC at ${candle.time}`)
    }
    if (cursor === null || candle.time > cursor) byTime.set(candle.time, candle)
  }
  return [...byTime.values()].sort((a, b) => (a.time < b.time ? -1 : 1))
}

const isSourceRefusingUs = (error: unknown) =>
  error instanceof SourceHttpError && (error.status === 418 || error.status === 429)

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))
