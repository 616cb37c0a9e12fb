import { sampleStandardDeviation } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { barsFromCloses, linearPath, randomWalk } from '../../test/helpers/technical-builders'
import { atr, bollinger, macd, rsi, sma } from './indicators'
import {
  GRADE_LABEL_THRESHOLDS,
  gradeLabel,
  latestTraderGrade,
  TRADER_GRADE_PARAMS,
  TRADER_GRADE_WARMUP,
  traderGradeHistory,
} from './trader-grade'

const noisy = barsFromCloses('RW', randomWalk(400, 3, { scale: 0.04 }))
// A steady 1%/day climb with small noise versus the mirror-image decline.
const rising = barsFromCloses('UP', randomWalk(200, 5, { drift: 0.01, scale: 0.005 }))
const falling = barsFromCloses('DN', randomWalk(200, 5, { drift: -0.01, scale: 0.005 }))

describe('gradeLabel', () => {
  it.each([
    [100, 'Strong Buy'],
    [80, 'Strong Buy'],
    [79.999, 'Buy'],
    [60, 'Buy'],
    [59.999, 'Hold'],
    [40, 'Hold'],
    [39.999, 'Sell'],
    [20, 'Sell'],
    [19.999, 'Strong Sell'],
    [0, 'Strong Sell'],
  ] as const)('%d → %s', (grade, label) => {
    expect(gradeLabel(grade)).toBe(label)
  })

  it('thresholds are descending', () => {
    const mins = GRADE_LABEL_THRESHOLDS.map(([min]) => min)
    expect([...mins].sort((a, b) => b - a)).toEqual(mins)
  })
})

describe('traderGradeHistory', () => {
  it('starts after the 50-bar warm-up and keeps every grade inside [0, 100] with a consistent label', () => {
    const history = traderGradeHistory(noisy)
    expect(TRADER_GRADE_WARMUP).toBe(50)
    expect(history).toHaveLength(noisy.length - 49)
    expect(history[0]!.time).toBe(noisy[49]!.time)
    for (const g of history) {
      for (const v of [g.traderGrade, g.technicalGrade, g.quantGrade]) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(100)
      }
      expect(g.label).toBe(gradeLabel(g.traderGrade))
    }
  })

  it('is empty with fewer than 50 bars', () => {
    expect(traderGradeHistory(noisy.slice(0, 49))).toEqual([])
    expect(latestTraderGrade(noisy.slice(0, 49))).toBeNull()
  })

  it('grades a steady climb as a buy and the mirror-image decline as a sell', () => {
    const up = latestTraderGrade(rising)!
    const down = latestTraderGrade(falling)!
    expect(up.traderGrade).toBeGreaterThanOrEqual(60)
    expect(down.traderGrade).toBeLessThan(40)
    expect(up.technicalGrade).toBeGreaterThan(down.technicalGrade)
    expect(up.quantGrade).toBeGreaterThan(down.quantGrade)
  })

  it('uses only past data: the grade of bar i does not change when later bars are added', () => {
    const full = traderGradeHistory(noisy)
    const cut = traderGradeHistory(noisy.slice(0, 200))
    expect(cut).toEqual(full.slice(0, cut.length))
  })
})

describe('latestTraderGrade', () => {
  it('reports changes as differences of the per-bar history', () => {
    const history = traderGradeHistory(noisy)
    const latest = latestTraderGrade(noisy)!
    const n = history.length
    expect(latest.traderGrade).toBe(history[n - 1]!.traderGrade)
    expect(latest.change24h).toBeCloseTo(history[n - 1]!.traderGrade - history[n - 2]!.traderGrade, 12)
    expect(latest.change7d).toBeCloseTo(history[n - 1]!.traderGrade - history[n - 8]!.traderGrade, 12)
  })

  it('has null changes when the history is too short for them', () => {
    const g = latestTraderGrade(noisy.slice(0, 52))!
    expect(g.change24h).not.toBeNull()
    expect(g.change7d).toBeNull()
  })

  it('recomputes by hand from independently computed indicators and the documented maps', () => {
    const g = latestTraderGrade(noisy)!
    const c = g.components
    const closes = noisy.map((b) => b.close)
    const i = closes.length - 1
    const a = atr(noisy, 14)[i]!
    const close = closes[i]!
    expect(c.rsi).toBe(rsi(closes, 14)[i])
    expect(c.macdHistogramAtr).toBeCloseTo(macd(closes)[i]!.histogram / a, 12)
    expect(c.sma20DistanceAtr).toBeCloseTo((close - sma(closes, 20)[i]!) / a, 9)
    expect(c.sma50DistanceAtr).toBeCloseTo((close - sma(closes, 50)[i]!) / a, 9)
    expect(c.percentB).toBeCloseTo(bollinger(closes)[i]!.percentB, 12)
    const rets = closes
      .slice(i - 30, i + 1)
      .map((x, k, arr) => (k === 0 ? 0 : x / arr[k - 1]! - 1))
      .slice(1)
    const sd = sampleStandardDeviation(rets)
    expect(c.return30d).toBeCloseTo(close / closes[i - 30]! - 1, 12)
    expect(c.riskAdjustedMomentum).toBeCloseTo(c.return30d / (sd * Math.sqrt(30)), 12)
    expect(c.volatility30d).toBeCloseTo(sd * Math.sqrt(365), 12)

    // Documented maps, written out independently of the implementation.
    const lin = (x: number, x0: number, x1: number) =>
      Math.min(100, Math.max(0, ((x - x0) / (x1 - x0)) * 100))
    const logistic = (x: number, s: number) => 100 / (1 + Math.exp(-x / s))
    expect(c.rsiScore).toBeCloseTo(lin(c.rsi, 30, 70), 9)
    expect(c.macdScore).toBeCloseTo(logistic(c.macdHistogramAtr, 0.15), 9)
    expect(c.sma20Score).toBeCloseTo(logistic(c.sma20DistanceAtr, 1), 9)
    expect(c.sma50Score).toBeCloseTo(logistic(c.sma50DistanceAtr, 1.5), 9)
    expect(c.volatilityScore).toBeCloseTo(100 - lin(c.volatility30d, 0.5, 1.5), 9)
    const technical =
      0.25 * c.rsiScore +
      0.25 * c.macdScore +
      0.15 * c.sma20Score +
      0.15 * c.sma50Score +
      0.2 * c.percentBScore
    const quant = 0.7 * c.momentumScore + 0.3 * c.volatilityScore
    expect(g.technicalGrade).toBeCloseTo(technical, 9)
    expect(g.quantGrade).toBeCloseTo(quant, 9)
    expect(g.traderGrade).toBeCloseTo(0.6 * technical + 0.4 * quant, 9)
  })

  it('weights sum to 1 at every level', () => {
    const w = TRADER_GRADE_PARAMS.weights
    const total = (o: Record<string, number>) => Object.values(o).reduce((s, v) => s + v, 0)
    expect(total(w.technical)).toBeCloseTo(1, 12)
    expect(total(w.quant)).toBeCloseTo(1, 12)
    expect(total(w.trader)).toBeCloseTo(1, 12)
  })

  it('handles flat prices without NaN (zero ATR and zero volatility)', () => {
    const flat = barsFromCloses('FLAT', linearPath(5, 5, 80), { range: 0 })
    const g = latestTraderGrade(flat)!
    expect(Number.isFinite(g.traderGrade)).toBe(true)
    expect(g.components.momentumScore).toBe(50)
    expect(g.components.macdHistogramAtr).toBe(0)
  })
})
