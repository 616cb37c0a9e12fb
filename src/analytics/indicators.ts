/**
 * Typed wrappers over `trading-signals` that turn a price series into an ALIGNED indicator series: output[i]
 * belongs to input[i], and is null until the indicator is warmed up. Every technical module shares these so that
 * warm-up rules and seeding are the same everywhere (docs/methodology.md §T1).
 *
 * EMAs (and so MACD) are seeded with the SMA of the first `period` values, the TA-Lib / technicalindicators
 * convention; trading-signals' own EMA starts at the first price, so we hand it that SMA as its first input.
 */
import { ATR, EMA, RSI, SMA, SwingHigh, SwingLow } from 'trading-signals'

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

/**
 * Exponential moving average, alpha = 2 / (period + 1), seeded with the SMA of the first `period` values:
 * out[period − 1] is that SMA, then e_t = α·x_t + (1 − α)·e_{t−1}; null for the first period − 1 bars.
 */
export function ema(values: readonly number[], period: number): Series {
  assertPeriod(period)
  const seed = new SMA(period)
  // trading-signals' EMA takes its first input as e_0, so the SMA seed goes in first.
  const ind = new EMA(period)
  return values.map((v, i) => {
    if (i < period - 1) {
      seed.add(v)
      return null
    }
    return ind.add(i === period - 1 ? seed.add(v)! : v)
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
 * MACD = EMA(fast) − EMA(slow) from bar slow − 1, signal = EMA(signal) of the MACD line (both SMA-seeded, as
 * {@link ema}), histogram = MACD − signal. Null until bar slow + signal − 2, the first with a seeded signal.
 */
export function macd(values: readonly number[], options: MacdOptions = {}): (MacdPoint | null)[] {
  const { fast = 12, slow = 26, signal = 9 } = options
  for (const p of [fast, slow, signal]) assertPeriod(p)
  if (fast >= slow) throw new RangeError(`fast period (${fast}) must be shorter than slow (${slow})`)
  const fastEma = ema(values, fast)
  const slowEma = ema(values, slow)
  const line = values.slice(slow - 1).map((_, j) => fastEma[j + slow - 1]! - slowEma[j + slow - 1]!)
  const signalEma = ema(line, signal)
  return values.map((_, i) => {
    const s = signalEma[i - (slow - 1)]
    if (s == null) return null
    const m = line[i - (slow - 1)]!
    return { macd: m, signal: s, histogram: m - s }
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
