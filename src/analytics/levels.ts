/**
 * Resistance and support levels (the `resistance-support` analogue) from fractal swing pivots, clustered by price
 * (docs/methodology.md §T6):
 * 1. pivots: bar i is a swing high (low) when its high (low) is strictly above (below) the highs (lows) of the
 *    `window` bars on each side (trading-signals SwingHigh / SwingLow);
 * 2. clustering: pivot prices sorted ascending are grouped greedily; a group takes the next price while it is
 *    within `tolerance` of the group's lowest price, so no group is wider than the tolerance;
 * 3. each group is a level at the mean of its pivot prices, typed by where it sits against the last close
 *    (at or above = resistance, below = support: old resistance below price acts as support).
 */
import type { Candle } from '../lib/candle'
import { atr, swingPivots } from './indicators'

export type LevelType = 'support' | 'resistance'

export interface LevelsOptions {
  /** Bars on each side a pivot must beat. @default 5 */
  window?: number
  /** Only the last `lookback` bars are searched for pivots. @default all bars */
  lookback?: number
  /** @default 14 */
  atrPeriod?: number
  /** Cluster width in ATRs (ATR at the last bar). @default 0.5 */
  toleranceAtr?: number
  /** Cluster width as a fraction of the last close; overrides toleranceAtr, and is the fallback (1.5%) when no ATR exists. */
  tolerancePct?: number
  /** Levels returned, nearest first. @default 10 */
  limit?: number
}

export interface PriceLevel {
  price: number
  type: LevelType
  /** Pivots in the cluster (>= 1). */
  touches: number
  pivotHighs: number
  pivotLows: number
  firstTouch: string
  lastTouch: string
  /** Sum of the USD volume of the pivot bars. */
  volumeAtTouches: number
  /** price / close − 1; null when the close is 0. */
  distance: number | null
}

export interface LevelsResult {
  symbol: string
  time: string
  close: number
  /** Cluster width used, in price units. */
  tolerance: number
  levels: PriceLevel[]
}

interface Pivot {
  price: number
  kind: 'high' | 'low'
  time: string
  volume: number
}

const FALLBACK_TOLERANCE_PCT = 0.015

/** Greedy clustering of pivots sorted by price: each cluster spans at most `tolerance`. */
export function clusterPivots<T extends { price: number }>(pivots: readonly T[], tolerance: number): T[][] {
  const sorted = [...pivots].sort((a, b) => a.price - b.price)
  const clusters: T[][] = []
  let current: T[] = []
  for (const p of sorted) {
    if (current.length > 0 && p.price - current[0]!.price > tolerance) {
      clusters.push(current)
      current = []
    }
    current.push(p)
  }
  if (current.length > 0) clusters.push(current)
  return clusters
}

/** Levels of one asset as of its last bar; null for an empty series. */
export function supportResistanceLevels(
  candles: readonly Candle[],
  options: LevelsOptions = {},
): LevelsResult | null {
  const { window = 5, lookback, atrPeriod = 14, toleranceAtr = 0.5, tolerancePct, limit = 10 } = options
  const last = candles[candles.length - 1]
  if (last === undefined) return null
  const atrs = atr(candles, atrPeriod)
  const lastAtr = atrs[atrs.length - 1] ?? null
  const tolerance =
    tolerancePct !== undefined
      ? tolerancePct * last.close
      : lastAtr !== null
        ? toleranceAtr * lastAtr
        : FALLBACK_TOLERANCE_PCT * last.close

  const bars = lookback === undefined ? candles : candles.slice(Math.max(0, candles.length - lookback))
  const { highs, lows } = swingPivots(bars, window)
  const pivots: Pivot[] = [
    ...highs.map(
      (i): Pivot => ({ price: bars[i]!.high, kind: 'high', time: bars[i]!.time, volume: bars[i]!.volume }),
    ),
    ...lows.map(
      (i): Pivot => ({ price: bars[i]!.low, kind: 'low', time: bars[i]!.time, volume: bars[i]!.volume }),
    ),
  ]

  const levels = clusterPivots(pivots, tolerance).map((group): PriceLevel => {
    const price = group.reduce((s, p) => s + p.price, 0) / group.length
    const times = group.map((p) => p.time).sort()
    return {
      price,
      type: price >= last.close ? 'resistance' : 'support',
      touches: group.length,
      pivotHighs: group.filter((p) => p.kind === 'high').length,
      pivotLows: group.filter((p) => p.kind === 'low').length,
      firstTouch: times[0]!,
      lastTouch: times[times.length - 1]!,
      volumeAtTouches: group.reduce((s, p) => s + p.volume, 0),
      distance: last.close > 0 ? price / last.close - 1 : null,
    }
  })
  levels.sort(
    (a, b) =>
      Math.abs(a.price - last.close) - Math.abs(b.price - last.close) ||
      b.touches - a.touches ||
      a.price - b.price,
  )
  return {
    symbol: last.symbol,
    time: last.time,
    close: last.close,
    tolerance,
    levels: levels.slice(0, limit),
  }
}
