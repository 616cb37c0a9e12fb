/**
 * Pearson correlation of one asset's daily returns against every other asset (the `correlation` analogue).
 * Returns are computed once per asset ({@link buildReturnIndex}); each pair is then a date-intersected join of the
 * target's window against the other's date → return map, so one asset vs 80 over 365 days stays a few ms.
 * Conventions: docs/methodology.md §Q2.
 */
import { sampleCorrelation } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import {
  alignReturns,
  type DailyReturn,
  dailyReturns,
  resolveEndDate,
  returnMap,
  returnWindow,
} from './returns'

export const CORRELATION_DEFAULT_DAYS = 90
export const CORRELATION_MAX_DAYS = 365
export const CORRELATION_DEFAULT_MIN_OVERLAP = 30

/** Precomputed returns per symbol: ascending list plus a date lookup. */
export interface ReturnIndex {
  series: Map<string, { returns: DailyReturn[]; byDate: Map<string, number> }>
}

export interface CorrelationOptions {
  /** Window of returns dated in (endDate − days, endDate]. 2..365. @default 90 */
  days?: number
  /** @default the target's last return date */
  endDate?: string
  /** Fewest shared return dates for a pair to be reported, capped at `days`. @default 30 */
  minOverlap?: number
}

export interface CorrelationEntry {
  symbol: string
  correlation: number
  /** Shared return dates used. */
  observations: number
}

export interface CorrelationResult {
  symbol: string
  days: number
  endDate: string
  /** Target returns in the window. */
  observations: number
  /** Descending by correlation (ties by symbol); includes the target itself at exactly 1. */
  correlations: CorrelationEntry[]
  /** Symbols left out: overlap below minOverlap, or a constant series (correlation undefined). */
  skipped: string[]
}

export function buildReturnIndex(candlesBySymbol: Readonly<Record<string, readonly Candle[]>>): ReturnIndex {
  const series: ReturnIndex['series'] = new Map()
  for (const [symbol, candles] of Object.entries(candlesBySymbol)) {
    const returns = dailyReturns(candles)
    series.set(symbol, { returns, byDate: returnMap(returns) })
  }
  return { series }
}

/** Pearson r, or null when either side is constant (zero variance). */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length < 2) return null
  const r = sampleCorrelation(x, y)
  // Rounding can push a perfect correlation a hair past ±1.
  return Number.isFinite(r) ? Math.max(-1, Math.min(1, r)) : null
}

/** Correlations of `symbol` against every other series in `index`; null when the symbol has no returns. */
export function correlateAsset(
  index: ReturnIndex,
  symbol: string,
  options: CorrelationOptions = {},
): CorrelationResult | null {
  const { days = CORRELATION_DEFAULT_DAYS, endDate, minOverlap = CORRELATION_DEFAULT_MIN_OVERLAP } = options
  if (!Number.isInteger(days) || days < 2 || days > CORRELATION_MAX_DAYS) {
    throw new RangeError(`days must be an integer in 2..${CORRELATION_MAX_DAYS}, got ${days}`)
  }
  const target = index.series.get(symbol)
  const end = target && resolveEndDate(target.returns, endDate)
  if (!target || end === undefined) return null
  const window = returnWindow(target.returns, days, end)
  // A window shorter than minOverlap could never qualify; the window itself is then the bar.
  const required = Math.min(minOverlap, days)

  const correlations: CorrelationEntry[] = [{ symbol, correlation: 1, observations: window.length }]
  const skipped: string[] = []
  for (const [other, { byDate }] of index.series) {
    if (other === symbol) continue
    const aligned = alignReturns(window, byDate)
    const r = aligned.times.length >= required ? pearson(aligned.a, aligned.b) : null
    if (r === null) skipped.push(other)
    else correlations.push({ symbol: other, correlation: r, observations: aligned.times.length })
  }
  correlations.sort((x, y) => y.correlation - x.correlation || (x.symbol < y.symbol ? -1 : 1))
  return { symbol, days, endDate: end, observations: window.length, correlations, skipped: skipped.sort() }
}

/** One-off convenience: builds the index and correlates. Prefer {@link correlateAsset} for repeated calls. */
export function computeCorrelations(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  symbol: string,
  options: CorrelationOptions = {},
): CorrelationResult | null {
  return correlateAsset(buildReturnIndex(candlesBySymbol), symbol, options)
}

/** The `n` most and least correlated other assets (the target itself excluded). */
export function correlationExtremes(
  result: CorrelationResult,
  n: number,
): { most: CorrelationEntry[]; least: CorrelationEntry[] } {
  const others = result.correlations.filter((c) => c.symbol !== result.symbol)
  return { most: others.slice(0, n), least: others.slice(-n).reverse() }
}
