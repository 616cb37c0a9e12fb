/**
 * Builders for the analytics tests: daily candles from a close path or a return path with known answers.
 * Pure and deterministic; not used by production code.
 */

import { addDays } from '../../src/analytics/returns'
import type { Candle } from '../../src/lib/candle'

export interface BuildCandlesOptions {
  /** Date of the first bar. @default '2024-01-01' */
  start?: string
  /** Circulating supply, so marketCap = close × supply; or explicit caps per bar (null = unknown). @default null caps */
  supply?: number
  marketCaps?: readonly (number | null)[]
}

/** One gap-free daily bar per close; OHLC all equal the close, volume 1. */
export function candlesFromCloses(
  symbol: string,
  closes: readonly number[],
  options: BuildCandlesOptions = {},
): Candle[] {
  const { start = '2024-01-01', supply, marketCaps } = options
  return closes.map((close, i) => ({
    symbol,
    time: addDays(start, i),
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    marketCap: marketCaps ? (marketCaps[i] ?? null) : supply === undefined ? null : close * supply,
  }))
}

/** Close path starting at `start` that compounds the given simple returns (length = returns + 1). */
export function closesFromReturns(returns: readonly number[], start = 100): number[] {
  const closes = [start]
  for (const r of returns) closes.push(closes[closes.length - 1]! * (1 + r))
  return closes
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), for noisy but reproducible series. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** `n` pseudo-random daily returns, uniform in [−scale, scale) plus `drift`. */
export function randomReturns(n: number, seed: number, scale = 0.05, drift = 0): number[] {
  const rand = seededRandom(seed)
  return Array.from({ length: n }, () => (rand() * 2 - 1) * scale + drift)
}
