/**
 * Typed wrappers over `trading-signals` that turn a price series into an ALIGNED indicator series: output[i]
 * belongs to input[i], and is null until the indicator is warmed up. Every technical module shares these so that
 * warm-up rules and seeding are the same everywhere (docs/methodology.md §T1).
 *
 * Seeding differs from other libraries: trading-signals' EMA starts at the first price (not at an SMA of the
 * first `period` prices), so early EMA/MACD values differ from e.g. technicalindicators until the seed decays.
 */
import { ATR, EMA, MACD, RSI, SMA, SwingHigh, SwingLow } from 'trading-signals'

export type Series = (number | null)[]

export interface HighLowClose {
  high: number
  low: number
  close: number
}

export interface MacdPoint {
  macd: number
  signal: number
  histogram: number
}

export interface MacdOptions {
  /** @default 12 */
  fast?: number
  /** @default 26 */
  slow?: number
  /** @default 9 */
  signal?: number
}

export interface BollingerPoint {
  lower: number
  middle: number
  upper: number
  /** (close − lower) / (upper − lower); 0.5 when the bands have zero width. */
  percentB: number
}

function assertPeriod(period: number): void {
  if (!Number.isInteger(period) || period < 1)
    throw new RangeError(`period must be a positive integer, got ${period}`)
}

/** Exponential moving average, alpha = 2 / (period + 1), seeded with the first value; null for the first period − 1 bars. */
export function ema(values: readonly number[], period: number): Series {
  assertPeriod(period)
  const ind = new EMA(period)
  // The library's EMA is stable after `period` inputs; checking the index avoids its throw-based isStable.
  return values.map((v, i) => {
    const r = ind.add(v)
    return i >= period - 1 ? r : null
  })
}

/** Simple moving average of the last `period` values; null for the first period − 1 bars. */
export function sma(values: readonly number[], period: number): Series {
  assertPeriod(period)
  const ind = new SMA(period)
  return values.map((v) => ind.add(v))
}

/** Wilder RSI (SMA-seeded Wilder smoothing of gains/losses); 100 when there are no losses. First value at index `period`. */
export function rsi(values: readonly number[], period = 14): Series {
  assertPeriod(period)
  const ind = new RSI(period)
  return values.map((v) => ind.add(v))
}

/**
 * MACD = EMA(fast) − EMA(slow), signal = EMA(signal) of MACD, histogram = MACD − signal. Null until
 * slow + signal − 1 bars, the first bar at which the signal EMA has seen `signal` MACD values.
 */
export function macd(values: readonly number[], options: MacdOptions = {}): (MacdPoint | null)[] {
  const { fast = 12, slow = 26, signal = 9 } = options
  for (const p of [fast, slow, signal]) assertPeriod(p)
  if (fast >= slow) throw new RangeError(`fast period (${fast}) must be shorter than slow (${slow})`)
  const ind = new MACD(new EMA(fast), new EMA(slow), new EMA(signal))
  const firstIndex = slow + signal - 2
  return values.map((v, i) => {
    const r = ind.add(v)
    return r !== null && i >= firstIndex ? r : null
  })
}

/** Wilder ATR: SMA-seeded Wilder smoothing of the true range (the first bar's TR is high − low). First value at index period − 1. */
export function atr(candles: readonly HighLowClose[], period = 14): Series {
  assertPeriod(period)
  const ind = new ATR(period)
  return candles.map((c) => ind.add({ high: c.high, low: c.low, close: c.close }))
}

/**
 * Bollinger bands: SMA(period) ± k × POPULATION standard deviation of the same window, plus %B of the value.
 * The middle band is trading-signals' SMA; the deviation is summed in place over the window because the
 * library's BollingerBands allocates two arrays per bar and dominated the cost of a universe-wide pass (same
 * formula, cross-checked against both libraries in the tests).
 */
export function bollinger(values: readonly number[], period = 20, k = 2): (BollingerPoint | null)[] {
  assertPeriod(period)
  const middles = sma(values, period)
  return values.map((v, i) => {
    const middle = middles[i]
    if (middle == null) return null
    let squares = 0
    for (let j = i - period + 1; j <= i; j++) {
      const d = values[j]! - middle
      squares += d * d
    }
    const band = k * Math.sqrt(squares / period)
    const width = 2 * band
    return {
      lower: middle - band,
      middle,
      upper: middle + band,
      percentB: width > 0 ? (v - (middle - band)) / width : 0.5,
    }
  })
}

/**
 * Fractal pivots: index i is a swing high when its high is strictly above the highs of the `window` bars on each
 * side (a swing low mirrors this on lows). Equal highs inside the window disqualify both, and the last `window`
 * bars can never be pivots because their right side is not known yet.
 */
export function swingPivots(
  candles: readonly { high: number; low: number }[],
  window: number,
): { highs: number[]; lows: number[] } {
  assertPeriod(window)
  const hi = new SwingHigh({ lookback: window })
  const lo = new SwingLow({ lookback: window })
  const highs: number[] = []
  const lows: number[] = []
  candles.forEach((c, i) => {
    const bar = { high: c.high, low: c.low }
    // The library reports a pivot `window` bars after it happened.
    if (hi.add(bar) !== null) highs.push(i - window)
    if (lo.add(bar) !== null) lows.push(i - window)
  })
  return { highs, lows }
}
