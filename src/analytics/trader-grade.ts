/**
 * Short-term trader grade (the `trader-grades` analogue): a 0–100 composite of a technical grade and a quant
 * grade, computed per bar from that bar's own history only (docs/methodology.md §T3).
 *
 *   technical = 0.25·RSI + 0.25·MACD + 0.15·SMA20 + 0.15·SMA50 + 0.20·%B   (each sub-score 0–100)
 *   quant     = 0.70·momentum + 0.30·volatility
 *   trader    = 0.60·technical + 0.40·quant
 *
 * Distances are measured in ATRs so the maps need no per-asset tuning. Designed for DAILY bars: the 30-bar windows
 * are 30 days, volatility is annualised with √365, and change24h / change7d compare with 1 and 7 bars earlier.
 */
import { sampleStandardDeviation } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { atr, bollinger, macd, rsi, sma } from './indicators'
import { type Knot, logisticScore, normalPercentile, piecewiseLinear } from './score-maps'

export type GradeLabel = 'Strong Buy' | 'Buy' | 'Hold' | 'Sell' | 'Strong Sell'

/** Lower bounds (inclusive) of each label; anything below the last is Strong Sell. */
export const GRADE_LABEL_THRESHOLDS: readonly (readonly [min: number, label: GradeLabel])[] = [
  [80, 'Strong Buy'],
  [60, 'Buy'],
  [40, 'Hold'],
  [20, 'Sell'],
]

export const TRADER_GRADE_PARAMS = {
  rsiPeriod: 14,
  atrPeriod: 14,
  bollingerPeriod: 20,
  bollingerK: 2,
  smaLong: 50,
  momentumBars: 30,
  /** RSI 30 → 0, 70 → 100, linear between, flat outside. */
  rsiKnots: [
    [30, 0],
    [70, 100],
  ] as readonly Knot[],
  /** MACD histogram / ATR, logistic scale. */
  macdScale: 0.15,
  /** (close − SMA20) / ATR, logistic scale. */
  sma20Scale: 1,
  /** (close − SMA50) / ATR, logistic scale. */
  sma50Scale: 1.5,
  /** %B 0 → 0, 1 → 100 (riding the upper band), 1.5 → 50 (over-extended), flat outside. */
  percentBKnots: [
    [0, 0],
    [1, 100],
    [1.5, 50],
  ] as readonly Knot[],
  /** Annualised 30-bar volatility 50% → 100, 150% → 0. */
  volatilityKnots: [
    [0.5, 100],
    [1.5, 0],
  ] as readonly Knot[],
  weights: {
    technical: { rsi: 0.25, macd: 0.25, sma20: 0.15, sma50: 0.15, percentB: 0.2 },
    quant: { momentum: 0.7, volatility: 0.3 },
    trader: { technical: 0.6, quant: 0.4 },
  },
} as const

/** Bars needed before the first grade (SMA50 is the longest look-back). */
export const TRADER_GRADE_WARMUP = TRADER_GRADE_PARAMS.smaLong

export interface TraderGradeComponents {
  rsi: number
  rsiScore: number
  /** MACD(12, 26, 9) histogram / ATR(14). */
  macdHistogramAtr: number
  macdScore: number
  /** (close − SMA20) / ATR(14). */
  sma20DistanceAtr: number
  sma20Score: number
  sma50DistanceAtr: number
  sma50Score: number
  percentB: number
  percentBScore: number
  /** close / close 30 bars earlier − 1. */
  return30d: number
  /** return30d / (sample sd of the last 30 daily returns × √30). */
  riskAdjustedMomentum: number
  momentumScore: number
  /** Sample sd of the last 30 daily returns × √365. */
  volatility30d: number
  volatilityScore: number
}

export interface TraderGradePoint {
  time: string
  close: number
  traderGrade: number
  technicalGrade: number
  quantGrade: number
  label: GradeLabel
}

export interface TraderGrade {
  symbol: string
  time: string
  close: number
  traderGrade: number
  technicalGrade: number
  quantGrade: number
  /** Grade now minus the grade one bar (day) earlier; null without that bar. */
  change24h: number | null
  /** Grade now minus the grade seven bars (days) earlier; null without that bar. */
  change7d: number | null
  label: GradeLabel
  components: TraderGradeComponents
}

export function gradeLabel(grade: number): GradeLabel {
  for (let i = 0; i < GRADE_LABEL_THRESHOLDS.length; i++) {
    const t = GRADE_LABEL_THRESHOLDS[i]!
    if (grade >= t[0]) return t[1]
  }
  return 'Strong Sell'
}

/** return / (sd · √bars); 0 for zero volatility (see momentumScore). */
function momentumZ(ret: number, sd: number, bars: number): number {
  return sd > 0 ? ret / (sd * Math.sqrt(bars)) : 0
}

/** z → percentile, with the degenerate zero-volatility case handled explicitly (erf of ±∞ is not defined). */
function momentumScore(ret: number, sd: number, bars: number): number {
  if (sd > 0) return normalPercentile(momentumZ(ret, sd, bars))
  return ret > 0 ? 100 : ret < 0 ? 0 : 50
}

/** Grades of every bar from the warm-up on, plus the sub-scores of the last graded bar (the only ones reported). */
function computeGrades(candles: readonly Candle[]): {
  points: TraderGradePoint[]
  last: TraderGradeComponents | null
} {
  const p = TRADER_GRADE_PARAMS
  const wt = p.weights.technical
  const wq = p.weights.quant
  const w = p.weights.trader
  const closes = candles.map((c) => c.close)
  const rsis = rsi(closes, p.rsiPeriod)
  const macds = macd(closes)
  const atrs = atr(candles, p.atrPeriod)
  const bands = bollinger(closes, p.bollingerPeriod, p.bollingerK)
  const sma50 = sma(closes, p.smaLong)
  const n = p.momentumBars
  const annualiser = Math.sqrt(365)
  const points: TraderGradePoint[] = []
  let last: TraderGradeComponents | null = null
  const returns: number[] = new Array<number>(n).fill(0)
  for (let i = TRADER_GRADE_WARMUP - 1; i < candles.length; i++) {
    const r = rsis[i]
    const m = macds[i]
    const a = atrs[i]
    const b = bands[i]
    const s50 = sma50[i]
    if (r == null || m == null || a == null || b == null || s50 == null) continue
    // The Bollinger middle band is the SMA20.
    const s20 = b.middle
    const close = closes[i]!
    const base = closes[i - n]!
    let validReturns = base > 0
    for (let k = 0; k < n; k++) {
      const prev = closes[i - n + k]!
      if (!(prev > 0)) validReturns = false
      returns[k] = closes[i - n + k + 1]! / prev - 1
    }
    // A zero close makes returns undefined; such a bar gets no grade.
    if (!validReturns) continue
    const sd = sampleStandardDeviation(returns)
    const ret = close / base - 1
    const momScore = momentumScore(ret, sd, n)
    const vol = sd * annualiser
    // Flat prices have ATR 0: distances are then 0 (neutral), not ±Infinity.
    const inv = a > 0 ? 1 / a : 0
    const macdHistogramAtr = m.histogram * inv
    const sma20DistanceAtr = (close - s20) * inv
    const sma50DistanceAtr = (close - s50) * inv
    const rsiScore = piecewiseLinear(r, p.rsiKnots)
    const macdScore = logisticScore(macdHistogramAtr, p.macdScale)
    const sma20Score = logisticScore(sma20DistanceAtr, p.sma20Scale)
    const sma50Score = logisticScore(sma50DistanceAtr, p.sma50Scale)
    const percentBScore = piecewiseLinear(b.percentB, p.percentBKnots)
    const volatilityScore = piecewiseLinear(vol, p.volatilityKnots)
    const technicalGrade =
      wt.rsi * rsiScore +
      wt.macd * macdScore +
      wt.sma20 * sma20Score +
      wt.sma50 * sma50Score +
      wt.percentB * percentBScore
    const quantGrade = wq.momentum * momScore + wq.volatility * volatilityScore
    const traderGrade = w.technical * technicalGrade + w.quant * quantGrade
    points.push({
      time: candles[i]!.time,
      close,
      traderGrade,
      technicalGrade,
      quantGrade,
      label: gradeLabel(traderGrade),
    })
    // Only the newest bar's breakdown is reported; building it for every bar would just feed the GC.
    if (i === candles.length - 1) {
      last = {
        rsi: r,
        rsiScore,
        macdHistogramAtr,
        macdScore,
        sma20DistanceAtr,
        sma20Score,
        sma50DistanceAtr,
        sma50Score,
        percentB: b.percentB,
        percentBScore,
        return30d: ret,
        riskAdjustedMomentum: momentumZ(ret, sd, n),
        momentumScore: momScore,
        volatility30d: vol,
        volatilityScore,
      }
    }
  }
  return { points, last }
}

/** Grade of every bar from the warm-up on (one asset, ascending). Empty with fewer than 50 bars. */
export function traderGradeHistory(candles: readonly Candle[]): TraderGradePoint[] {
  return computeGrades(candles).points
}

/** Latest grade with its 1- and 7-bar changes and the sub-scores behind it; null with fewer than 50 bars. */
export function latestTraderGrade(candles: readonly Candle[]): TraderGrade | null {
  const { points, last: components } = computeGrades(candles)
  const last = points[points.length - 1]
  if (last === undefined || components === null) return null
  const ago = (bars: number) => {
    const g = points[points.length - 1 - bars]
    return g === undefined ? null : last.traderGrade - g.traderGrade
  }
  return {
    symbol: candles[0]!.symbol,
    time: last.time,
    close: last.close,
    traderGrade: last.traderGrade,
    technicalGrade: last.technicalGrade,
    quantGrade: last.quantGrade,
    change24h: ago(1),
    change7d: ago(7),
    label: last.label,
    components,
  }
}
