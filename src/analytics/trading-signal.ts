/**
 * Trend signal per bar (the `trading-signals` analogue): an EMA fast/slow crossover measured in ATR units, with a
 * dead band and hysteresis so the signal does not flicker around the crossover (docs/methodology.md §T2).
 *
 *   z_t = (EMA_fast − EMA_slow) / ATR            (spread in ATRs; scale-free, so daily and hourly bars both work)
 *   signal_t = +1 if z_t > band, −1 if z_t < −band,
 *              otherwise the previous signal while z keeps its side (z >= 0 for +1, z <= 0 for −1), else 0.
 *
 * Bars are bars: the same function serves daily and hourly candles, and all periods are counted in bars.
 */
import type { Candle } from '../lib/candle'
import { atr, ema } from './indicators'

export type Signal = -1 | 0 | 1

export interface TradingSignalOptions {
  /** @default 20 */
  fast?: number
  /** @default 50 */
  slow?: number
  /** @default 14 */
  atrPeriod?: number
  /** Half-width of the dead band, in ATRs. @default 0.5 */
  band?: number
}

export interface TradingSignalPoint {
  time: string
  close: number
  signal: Signal
  emaFast: number
  emaSlow: number
  atr: number
  /** (emaFast − emaSlow) / atr. */
  spreadAtr: number
}

export interface TradingSignalSummary {
  symbol: string
  /** Time of the last bar. */
  time: string
  close: number
  signal: Signal
  /** Last non-zero signal seen so far (0 if none): the prevailing trend even while the signal is neutral. */
  trend: Signal
  /** Time of the first bar of the current signal run (the first evaluable bar if it never changed). */
  lastChange: string
  priceAtChange: number
  /** close / priceAtChange − 1; null if priceAtChange is 0. */
  roiSinceChange: number | null
  barsSinceChange: number
  emaFast: number
  emaSlow: number
  atr: number
  spreadAtr: number
}

const DEFAULTS = { fast: 20, slow: 50, atrPeriod: 14, band: 0.5 } as const

/** Bars needed before the first signal: max(slow, atrPeriod). */
export function tradingSignalWarmup(options: TradingSignalOptions = {}): number {
  return Math.max(options.slow ?? DEFAULTS.slow, options.atrPeriod ?? DEFAULTS.atrPeriod)
}

/** Next signal from the spread z (in ATRs), the band and the previous signal. */
export function nextSignal(z: number, band: number, previous: Signal): Signal {
  if (z > band) return 1
  if (z < -band) return -1
  if (previous === 1 && z >= 0) return 1
  if (previous === -1 && z <= 0) return -1
  return 0
}

/** One point per bar from the first evaluable bar on; empty when the series is shorter than the warm-up. */
export function tradingSignalHistory(
  candles: readonly Candle[],
  options: TradingSignalOptions = {},
): TradingSignalPoint[] {
  const { fast, slow, atrPeriod, band } = { ...DEFAULTS, ...options }
  if (fast >= slow) throw new RangeError(`fast EMA (${fast}) must be shorter than slow (${slow})`)
  if (!(band >= 0)) throw new RangeError(`band must be >= 0, got ${band}`)
  const closes = candles.map((c) => c.close)
  const fastEma = ema(closes, fast)
  const slowEma = ema(closes, slow)
  const atrs = atr(candles, atrPeriod)
  const out: TradingSignalPoint[] = []
  let previous: Signal = 0
  candles.forEach((c, i) => {
    const f = fastEma[i]
    const s = slowEma[i]
    const a = atrs[i]
    if (f == null || s == null || a == null) return
    // A zero ATR (flat prices) has no scale: treat the spread as zero rather than ±Infinity.
    const z = a > 0 ? (f - s) / a : 0
    previous = nextSignal(z, band, previous)
    out.push({ time: c.time, close: c.close, signal: previous, emaFast: f, emaSlow: s, atr: a, spreadAtr: z })
  })
  return out
}

/** Summary from an already computed history (lets callers reuse one pass); null for an empty history. */
export function summarizeSignalHistory(
  symbol: string,
  history: readonly TradingSignalPoint[],
): TradingSignalSummary | null {
  const last = history[history.length - 1]
  if (last === undefined) return null
  let start = history.length - 1
  while (start > 0 && history[start - 1]!.signal === last.signal) start--
  let trend: Signal = 0
  for (let i = history.length - 1; i >= 0; i--) {
    const s = history[i]!.signal
    if (s !== 0) {
      trend = s
      break
    }
  }
  const change = history[start]!
  return {
    symbol,
    time: last.time,
    close: last.close,
    signal: last.signal,
    trend,
    lastChange: change.time,
    priceAtChange: change.close,
    roiSinceChange: change.close > 0 ? last.close / change.close - 1 : null,
    barsSinceChange: history.length - 1 - start,
    emaFast: last.emaFast,
    emaSlow: last.emaSlow,
    atr: last.atr,
    spreadAtr: last.spreadAtr,
  }
}

/** Latest signal of one asset; null when there are fewer bars than the warm-up. */
export function latestTradingSignal(
  candles: readonly Candle[],
  options: TradingSignalOptions = {},
): TradingSignalSummary | null {
  const symbol = candles[0]?.symbol ?? ''
  return summarizeSignalHistory(symbol, tradingSignalHistory(candles, options))
}
