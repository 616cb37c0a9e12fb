/**
 * Risk/return statistics of one asset over a date window (the `quantmetrics` analogue).
 * Formulas and conventions: docs/methodology.md §Q1. Returns are simple daily returns, annualised over
 * 365 days; VaR/CVaR are 1-day historical figures reported as returns, so a loss is a NEGATIVE number and
 * CVaR <= VaR always holds.
 */
import {
  mean,
  quantile,
  sampleCovariance,
  sampleKurtosis,
  sampleSkewness,
  sampleStandardDeviation,
  sampleVariance,
  sum,
} from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { alignReturns, candleWindow, dailyReturns, daysBetween } from './returns'

export const DAYS_PER_YEAR = 365

export interface QuantMetricsOptions {
  /** Window length in calendar days ending at `endDate`; omit for all history. @default 365 */
  days?: number | 'all'
  /** Last date of the window. @default the asset's last bar */
  endDate?: string
  /** Annual risk-free rate, de-annualised geometrically to a daily rate. @default 0 */
  riskFreeRate?: number
  /** Benchmark candles (BTC) for beta; beta is null without them. */
  benchmark?: readonly Candle[]
  /** Tail probability for VaR/CVaR. @default 0.05 (95% confidence) */
  tailProbability?: number
}

export interface QuantMetrics {
  symbol: string
  /** Date of the first close in the window (the base of totalReturn). */
  startDate: string
  endDate: string
  /** Number of daily returns used. */
  observations: number
  totalReturn: number
  /**
   * (1 + totalReturn)^(365 / calendarDays) − 1 for windows of at least a year; for shorter windows the period
   * return itself (= totalReturn), since annualising a few days' return extrapolates noise.
   */
  cagr: number
  /** Whether `cagr` is annualised (the window spans at least 365 calendar days). */
  cagrAnnualised: boolean
  meanDailyReturn: number
  /** Sample standard deviation of daily returns. */
  dailyVolatility: number
  /** dailyVolatility × √365. */
  volatility: number
  sharpe: number | null
  sortino: number | null
  /** Worst peak-to-trough decline of the close path, <= 0. */
  maxDrawdown: number
  /** cagr / |maxDrawdown|: below a year, the period return over the drawdown (see `cagrAnnualised`). */
  calmar: number | null
  /** 1-day historical VaR as a return (negative = loss) at `tailProbability`. */
  valueAtRisk: number
  /** Expected shortfall: mean of the worst `tailProbability` share of returns (fractional boundary); <= valueAtRisk. */
  conditionalValueAtRisk: number
  tailProbability: number
  beta: number | null
  /** Date-intersected return pairs used for beta. */
  betaObservations: number
  skewness: number | null
  excessKurtosis: number | null
  /** |95th percentile| / |5th percentile| of daily returns. */
  tailRatio: number | null
  /** Sum of positive returns / |sum of negative returns|. */
  profitFactor: number | null
}

/**
 * Compound annual growth rate of a window spanning `calendarDays`, annualised only from one year on (GIPS: returns
 * for periods under a year are not annualised). Below a year it is the period return.
 */
export function compoundAnnualGrowth(
  totalReturn: number,
  calendarDays: number,
): { cagr: number; annualised: boolean } {
  if (calendarDays < DAYS_PER_YEAR) return { cagr: totalReturn, annualised: false }
  return { cagr: (1 + totalReturn) ** (DAYS_PER_YEAR / calendarDays) - 1, annualised: true }
}

/** Worst decline from a running peak, as a fraction (<= 0); 0 for a path that never falls. */
export function maxDrawdown(closes: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY
  let worst = 0
  for (const close of closes) {
    if (close > peak) peak = close
    else if (peak > 0) worst = Math.min(worst, close / peak - 1)
  }
  return worst
}

/** √(mean(min(r − target, 0)²)) over ALL observations (Sortino & Price); target = the minimum acceptable return. */
export function downsideDeviation(returns: readonly number[], target = 0): number {
  let acc = 0
  for (const r of returns) if (r < target) acc += (r - target) ** 2
  return Math.sqrt(acc / returns.length)
}

/**
 * Expected shortfall: the mean of exactly the worst `tailProbability` share of the returns. With k = p·n
 * observations in the tail, the ⌊k⌋ worst count fully and the next one with weight k − ⌊k⌋ (Acerbi & Tasche 2002),
 * so the tail is the same size whatever the spacing of the returns around the VaR.
 */
export function expectedShortfall(returns: readonly number[], tailProbability: number): number {
  const sorted = [...returns].sort((a, b) => a - b)
  const k = tailProbability * sorted.length
  const whole = Math.min(Math.floor(k), sorted.length)
  let total = 0
  for (let i = 0; i < whole; i++) total += sorted[i]!
  const fraction = k - whole
  if (fraction > 0 && whole < sorted.length) total += fraction * sorted[whole]!
  return total / k
}

/** Historical VaR (tail quantile, linear interpolation) and CVaR (expected shortfall of the same tail share). */
export function historicalVaR(
  returns: readonly number[],
  tailProbability = 0.05,
): { valueAtRisk: number; conditionalValueAtRisk: number } {
  if (!(tailProbability > 0 && tailProbability < 1)) {
    throw new RangeError(`tailProbability must be in (0, 1), got ${tailProbability}`)
  }
  return {
    valueAtRisk: quantile(returns, tailProbability),
    conditionalValueAtRisk: expectedShortfall(returns, tailProbability),
  }
}

/** cov(asset, benchmark) / var(benchmark) on paired returns; null when undefined. */
export function beta(asset: readonly number[], benchmark: readonly number[]): number | null {
  if (asset.length < 2) return null
  const variance = sampleVariance(benchmark)
  return variance > 0 ? sampleCovariance(asset, benchmark) / variance : null
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null)
const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null)

/**
 * Quant metrics of `candles` (one asset, ascending daily bars) over the window. Null when the window holds
 * fewer than 2 returns (too short for a standard deviation).
 */
export function computeQuantMetrics(
  candles: readonly Candle[],
  options: QuantMetricsOptions = {},
): QuantMetrics | null {
  const { days = 365, endDate, riskFreeRate = 0, benchmark, tailProbability = 0.05 } = options
  const window = candleWindow(candles, days === 'all' ? undefined : days, endDate)
  const returns = dailyReturns(window)
  if (returns.length < 2) return null
  const values = returns.map((r) => r.value)
  const first = window[0]!
  const last = window[window.length - 1]!
  const n = values.length

  const totalReturn = last.close / first.close - 1
  const { cagr, annualised } = compoundAnnualGrowth(totalReturn, daysBetween(first.time, last.time))
  const meanDaily = mean(values)
  const dailyVolatility = sampleStandardDeviation(values)
  const annualiser = Math.sqrt(DAYS_PER_YEAR)
  const dailyRiskFree = (1 + riskFreeRate) ** (1 / DAYS_PER_YEAR) - 1
  const excess = meanDaily - dailyRiskFree
  // Sortino's target is the same daily risk-free rate the numerator subtracts (0 by default).
  const downside = downsideDeviation(values, dailyRiskFree)
  const drawdown = maxDrawdown(window.map((c) => c.close))
  const { valueAtRisk, conditionalValueAtRisk } = historicalVaR(values, tailProbability)

  let betaValue: number | null = null
  let betaObservations = 0
  if (benchmark) {
    const benchmarkReturns = dailyReturns(benchmark)
    const aligned = alignReturns(returns, benchmarkReturns)
    betaObservations = aligned.times.length
    betaValue = beta(aligned.a, aligned.b)
  }

  const gains = sum(values.filter((r) => r > 0))
  const losses = -sum(values.filter((r) => r < 0))
  const q05 = Math.abs(quantile(values, 0.05))

  return {
    symbol: last.symbol,
    startDate: first.time,
    endDate: last.time,
    observations: n,
    totalReturn,
    cagr,
    cagrAnnualised: annualised,
    meanDailyReturn: meanDaily,
    dailyVolatility,
    volatility: dailyVolatility * annualiser,
    sharpe: dailyVolatility > 0 ? (excess / dailyVolatility) * annualiser : null,
    sortino: downside > 0 ? (excess / downside) * annualiser : null,
    maxDrawdown: drawdown,
    calmar: drawdown < 0 ? cagr / Math.abs(drawdown) : null,
    valueAtRisk,
    conditionalValueAtRisk,
    tailProbability,
    beta: betaValue,
    betaObservations,
    skewness: n >= 3 && dailyVolatility > 0 ? finiteOrNull(sampleSkewness(values)) : null,
    excessKurtosis: n >= 4 && dailyVolatility > 0 ? finiteOrNull(sampleKurtosis(values)) : null,
    tailRatio: ratio(Math.abs(quantile(values, 0.95)), q05),
    profitFactor: ratio(gains, losses),
  }
}
