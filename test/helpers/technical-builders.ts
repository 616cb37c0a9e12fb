/**
 * Builders for the technical-analysis tests: OHLCV bars around a close path, daily or hourly, with controllable
 * range, volume and market cap. Pure and deterministic; not used by production code.
 */

import { addDays } from '../../src/analytics/returns'
import type { Candle } from '../../src/lib/candle'
import { seededRandom } from './analytics-builders'

export interface BarsOptions {
  /** First bar: a `YYYY-MM-DD` day (daily) or an ISO hour (hourly). @default '2024-01-01' */
  start?: string
  interval?: '1d' | '1h'
  /** High = max(open, close) + range × close, low = min(open, close) − range × close. @default 0.01 */
  range?: number
  /** Volume per bar, or a function of the bar index. @default 1e6 */
  volume?: number | ((i: number) => number)
  /** Market cap per bar, or a function of (close, index); null = unknown. @default null */
  marketCap?: number | null | ((close: number, i: number) => number | null)
}

function barTime(start: string, interval: '1d' | '1h', i: number): string {
  if (interval === '1d') return addDays(start, i)
  return new Date(Date.parse(start) + i * 3_600_000).toISOString().replace('.000Z', 'Z')
}

/**
 * Bars whose close follows `closes`; open = previous close; high/low extend `range × close` beyond the body, so
 * consecutive highs rarely tie (ties would hide swing pivots).
 */
export function barsFromCloses(
  symbol: string,
  closes: readonly number[],
  options: BarsOptions = {},
): Candle[] {
  const { interval = '1d', range = 0.01, volume = 1e6, marketCap = null } = options
  const start = options.start ?? (interval === '1d' ? '2024-01-01' : '2024-01-01T00:00:00Z')
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!
    return {
      symbol,
      time: barTime(start, interval, i),
      open,
      high: Math.max(open, close) + range * close,
      low: Math.min(open, close) - range * close,
      close,
      volume: typeof volume === 'function' ? volume(i) : volume,
      marketCap: typeof marketCap === 'function' ? marketCap(close, i) : marketCap,
    }
  })
}

/** Geometric random walk: close_i = close_{i−1} × (1 + drift + uniform(−scale, scale)). */
export function randomWalk(n: number, seed: number, { start = 100, drift = 0, scale = 0.03 } = {}): number[] {
  const rand = seededRandom(seed)
  const closes = [start]
  for (let i = 1; i < n; i++) closes.push(closes[i - 1]! * (1 + drift + (rand() * 2 - 1) * scale))
  return closes
}

/** Closes moving linearly from `from` to `to` over `n` bars (inclusive of both ends). */
export function linearPath(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + ((to - from) * i) / Math.max(1, n - 1))
}
