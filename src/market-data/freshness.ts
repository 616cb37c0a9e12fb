import type { Db } from '../db/client'
import { summariseCandles } from '../db/queries/ops'
import type { Interval } from '../lib/candle'

const INTERVAL_MS: Record<Interval, number> = { '1d': 86_400_000, '1h': 3_600_000 }
export const INTERVALS: readonly Interval[] = ['1d', '1h']

export interface IntervalFreshness {
  interval: Interval
  newest: string | null
  /** When the newest bar closed (its open time plus the interval), ISO; null without data. */
  newestClose: string | null
  /** Seconds since the newest bar closed; 0 while it is still open; null without data. */
  ageSeconds: number | null
  symbols: number
  candles: number
}

/** Unix ms at which a bar keyed `time` (`YYYY-MM-DD` or an ISO hour) closes. */
export function candleCloseMs(interval: Interval, time: string): number {
  const open = Date.parse(interval === '1d' ? `${time}T00:00:00Z` : time)
  return open + INTERVAL_MS[interval]
}

/** How recent the stored market data is, per interval. */
export async function marketDataFreshness(db: Db, now: number): Promise<IntervalFreshness[]> {
  return Promise.all(
    INTERVALS.map(async (interval) => {
      const summary = await summariseCandles(db, interval)
      const close = summary.newest ? candleCloseMs(interval, summary.newest) : undefined
      const valid = close !== undefined && Number.isFinite(close)
      return {
        ...summary,
        newestClose: valid ? new Date(close).toISOString() : null,
        ageSeconds: valid ? Math.max(0, Math.floor((now - close) / 1000)) : null,
      }
    }),
  )
}
