/**
 * Long-horizon investor grade (the `investor-grades` analogue), CROSS-SECTIONAL: each asset's metrics are ranked
 * against the other assets of the universe on the same date, and the grade is a weighted mean of those percentile
 * ranks (docs/methodology.md §T4). A grade therefore says "better than x% of this universe", not an
 * absolute quality level; the raw metrics are returned alongside for absolute comparisons.
 *
 * Metrics per asset, all on daily bars up to `asOf`:
 * - riskAdjustedReturn{90,180,365}d = R_N / (s_N · √N): period return over N calendar days divided by the sample
 *   sd of the daily returns in that window scaled to N days (a t-statistic-like ratio, risk-free rate 0);
 * - maxDrawdown365d over the closes of the last 365 days (or all history when younger; flagged);
 * - medianVolume30d: median daily USD volume of the last 30 days, ranked as log10 (rank-invariant, reported for reading).
 */
import { median, sampleStandardDeviation } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { maxDrawdown } from './quant-metrics'
import {
  addDays,
  candleWindow,
  dailyReturns,
  daysBetween,
  lastOnOrBefore,
  periodReturn,
  returnWindow,
  sliceByDate,
} from './returns'
import { weightedMean } from './score-maps'
import { type GradeLabel, gradeLabel } from './trader-grade'
import { latestTime, type Universe } from './universe'

export const INVESTOR_RETURN_WINDOWS = [90, 180, 365] as const
export const INVESTOR_DRAWDOWN_DAYS = 365
export const INVESTOR_LIQUIDITY_DAYS = 30

export const INVESTOR_GRADE_WEIGHTS = {
  riskAdjustedReturn90d: 0.15,
  riskAdjustedReturn180d: 0.2,
  riskAdjustedReturn365d: 0.25,
  maxDrawdown365d: 0.2,
  liquidity: 0.2,
} as const

type ComponentKey = keyof typeof INVESTOR_GRADE_WEIGHTS

export interface InvestorGradeOptions {
  /** Evaluation date `YYYY-MM-DD`. @default the latest bar across the universe */
  asOf?: string
}

export interface InvestorGradeMetrics {
  riskAdjustedReturn90d: number | null
  riskAdjustedReturn180d: number | null
  riskAdjustedReturn365d: number | null
  /** <= 0; over fewer than 365 days when the asset is younger (see insufficientHistory). */
  maxDrawdown365d: number | null
  medianVolume30d: number | null
  /** log10(medianVolume30d); null when the median volume is 0 or unknown. */
  liquidityLog10: number | null
}

/** Percentile rank (0–100) of each metric within the universe; null where the metric is null. */
export type InvestorGradePercentiles = Record<ComponentKey, number | null>

export interface InvestorGrade {
  symbol: string
  /** Last bar used (= asOf: assets without a bar that day are not graded). */
  time: string
  asOf: string
  /** Null when no risk-adjusted return exists (under 90 days of history). */
  investorGrade: number | null
  label: GradeLabel | null
  /** True when the asset has under 365 days of history at asOf, so some components are missing or shortened. */
  insufficientHistory: boolean
  /** Calendar days from the first bar to asOf. */
  historyDays: number
  metrics: InvestorGradeMetrics
  percentiles: InvestorGradePercentiles
}

/** R_N / (s_N √N); null if the window is not fully covered, has < 2 returns or zero volatility. */
function riskAdjustedReturn(
  candles: readonly Candle[],
  returns: readonly { time: string; value: number }[],
  days: number,
  asOf: string,
): number | null {
  const total = periodReturn(candles, days, asOf)
  if (total === null) return null
  const window = returnWindow(returns, days, asOf)
  if (window.length < 2) return null
  const sd = sampleStandardDeviation(window.map((r) => r.value))
  return sd > 0 ? total / (sd * Math.sqrt(days)) : null
}

function assetMetrics(candles: readonly Candle[], asOf: string): InvestorGradeMetrics {
  const returns = dailyReturns(candles)
  const [ra90, ra180, ra365] = INVESTOR_RETURN_WINDOWS.map((d) =>
    riskAdjustedReturn(candles, returns, d, asOf),
  )
  const ddWindow = candleWindow(candles, INVESTOR_DRAWDOWN_DAYS, asOf)
  const volWindow = sliceByDate(candles, addDays(asOf, -(INVESTOR_LIQUIDITY_DAYS - 1)), asOf)
  const medianVolume = volWindow.length > 0 ? median(volWindow.map((c) => c.volume)) : null
  return {
    riskAdjustedReturn90d: ra90 ?? null,
    riskAdjustedReturn180d: ra180 ?? null,
    riskAdjustedReturn365d: ra365 ?? null,
    maxDrawdown365d: ddWindow.length >= 2 ? maxDrawdown(ddWindow.map((c) => c.close)) : null,
    medianVolume30d: medianVolume,
    liquidityLog10: medianVolume !== null && medianVolume > 0 ? Math.log10(medianVolume) : null,
  }
}

/**
 * Percentile rank in [0, 100] with ties sharing the average rank: 100 · (below + (equal − 1) / 2) / (n − 1).
 * The best asset scores 100, the worst 0, a lone asset 50.
 */
export function percentileRanks(values: readonly (number | null)[]): (number | null)[] {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b)
  const n = present.length
  return values.map((v) => {
    if (v === null) return null
    if (n === 1) return 50
    let below = 0
    while (below < n && present[below]! < v) below++
    let equal = 0
    while (below + equal < n && present[below + equal] === v) equal++
    return (100 * (below + (equal - 1) / 2)) / (n - 1)
  })
}

/**
 * Investor grades of every asset with a bar ON `asOf`, best first (ungraded assets last, then by symbol). An asset
 * whose data stops earlier is left out: its returns, drawdown and volume would end on another day than the assets
 * it is ranked against. Deterministic for a given universe and date.
 */
export function investorGrades(universe: Universe, options: InvestorGradeOptions = {}): InvestorGrade[] {
  const asOf = options.asOf ?? latestTime(universe)
  if (asOf === undefined) return []
  const rows: { symbol: string; time: string; historyDays: number; metrics: InvestorGradeMetrics }[] = []
  for (const symbol of Object.keys(universe).sort()) {
    const candles = universe[symbol]!
    if (lastOnOrBefore(candles, asOf)?.time !== asOf) continue
    const historyDays = daysBetween(candles[0]!.time, asOf)
    rows.push({ symbol, time: asOf, historyDays, metrics: assetMetrics(candles, asOf) })
  }
  const rank = (pick: (m: InvestorGradeMetrics) => number | null) =>
    percentileRanks(rows.map((r) => pick(r.metrics)))
  const ranks: Record<ComponentKey, (number | null)[]> = {
    riskAdjustedReturn90d: rank((m) => m.riskAdjustedReturn90d),
    riskAdjustedReturn180d: rank((m) => m.riskAdjustedReturn180d),
    riskAdjustedReturn365d: rank((m) => m.riskAdjustedReturn365d),
    // Drawdowns are <= 0, so a larger value (shallower drawdown) ranks higher.
    maxDrawdown365d: rank((m) => m.maxDrawdown365d),
    liquidity: rank((m) => m.liquidityLog10),
  }
  const keys = Object.keys(INVESTOR_GRADE_WEIGHTS) as ComponentKey[]
  const out = rows.map((row, i): InvestorGrade => {
    const percentiles = Object.fromEntries(keys.map((k) => [k, ranks[k][i]!])) as InvestorGradePercentiles
    const m = row.metrics
    const hasReturn =
      m.riskAdjustedReturn90d !== null ||
      m.riskAdjustedReturn180d !== null ||
      m.riskAdjustedReturn365d !== null
    const grade = hasReturn
      ? weightedMean(keys.map((k) => ({ value: percentiles[k], weight: INVESTOR_GRADE_WEIGHTS[k] })))
      : null
    return {
      symbol: row.symbol,
      time: row.time,
      asOf,
      investorGrade: grade,
      label: grade === null ? null : gradeLabel(grade),
      insufficientHistory: row.historyDays < INVESTOR_DRAWDOWN_DAYS,
      historyDays: row.historyDays,
      metrics: m,
      percentiles,
    }
  })
  return out.sort(
    (a, b) =>
      (b.investorGrade ?? Number.NEGATIVE_INFINITY) - (a.investorGrade ?? Number.NEGATIVE_INFINITY) ||
      a.symbol.localeCompare(b.symbol),
  )
}
