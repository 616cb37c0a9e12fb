/**
 * The ports between candle sources (public exchange/aggregator APIs) and the ingestion pipeline.
 */
import { z } from 'zod'
import type { Candle, Interval } from '../../lib/candle'

export const SourceId = z.enum(['binance', 'coinbase', 'coingecko'])
export type SourceId = z.infer<typeof SourceId>

export interface FetchCandlesParams {
  /** Our symbol (`BTC`); each adapter maps it to its own pair or product. */
  symbol: string
  interval: Interval
  /** ISO date or date-time: the first bar returned is the first that opens at or after it. */
  since: string
  /** ISO date or date-time: bars opening after it are not returned. Defaults to now. */
  until?: string
}

/**
 * A keyless historical candle API. `fetchCandles` pages forward in time from `since` and yields one page at a time,
 * ascending, closed bars only (the still-open bar is never returned), so a caller can persist and advance a cursor
 * after each page. Empty ranges (before a listing) are skipped, not yielded.
 */
export interface CandleSource {
  readonly id: SourceId
  /** Intervals with history; empty when the source only serves snapshots (CoinGecko markets). */
  readonly intervals: readonly Interval[]
  fetchCandles(params: FetchCandlesParams): AsyncGenerator<Candle[], void, undefined>
}

/** Where ingested candles and resume cursors live. The app backs it with SQLite; tests use a Map. */
export interface CandleStore {
  /**
   * Inserts or updates (by symbol + time) and returns how many of `candles` were NEW rows (the rest updated
   * existing ones). A store that cannot tell may return `candles.length`.
   */
  upsertCandles(interval: Interval, candles: Candle[], source: SourceId): Promise<number>
  /** Time key (`Candle.time`) of the newest bar already ingested for this source/symbol/interval, or null. */
  getCursor(source: SourceId, symbol: string, interval: Interval): Promise<string | null>
  setCursor(source: SourceId, symbol: string, interval: Interval, lastTime: string): Promise<void>
}
