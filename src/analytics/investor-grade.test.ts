import { median, sampleStandardDeviation } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { barsFromCloses, randomWalk } from '../../test/helpers/technical-builders'
import type { Candle } from '../lib/candle'
import { INVESTOR_GRADE_WEIGHTS, investorGrades, percentileRanks } from './investor-grade'
import { addDays } from './returns'

const DAYS = 500
const END = addDays('2024-01-01', DAYS - 1)

/** Asset with a given drift, noise and volume, ending on END; `days` bars long. */
function asset(symbol: string, seed: number, drift: number, volume: number, days = DAYS): Candle[] {
  return barsFromCloses(symbol, randomWalk(days, seed, { drift, scale: 0.03 }), {
    start: addDays(END, -(days - 1)),
    volume,
  })
}

describe('percentileRanks', () => {
  it('ranks worst 0 and best 100 with ties sharing the average rank; nulls stay null', () => {
    expect(percentileRanks([3, 1, 2, null])).toEqual([100, 0, 50, null])
    expect(percentileRanks([1, 2, 2, 3])).toEqual([0, 50, 50, 100])
    expect(percentileRanks([7])).toEqual([50])
    expect(percentileRanks([null])).toEqual([null])
  })
})

describe('investorGrades', () => {
  const universe = {
    GOOD: asset('GOOD', 1, 0.004, 5e8),
    MID: asset('MID', 2, 0.0, 5e7),
    BAD: asset('BAD', 3, -0.004, 5e6),
    YOUNG: asset('YOUNG', 4, 0.002, 1e7, 200),
    BABY: asset('BABY', 5, 0.002, 1e7, 60),
  }
  const grades = investorGrades(universe)
  const bySymbol = Object.fromEntries(grades.map((g) => [g.symbol, g]))

  it('grades every asset inside [0, 100] as of the latest bar, best first', () => {
    expect(grades).toHaveLength(5)
    for (const g of grades) {
      expect(g.asOf).toBe(END)
      if (g.investorGrade !== null) {
        expect(g.investorGrade).toBeGreaterThanOrEqual(0)
        expect(g.investorGrade).toBeLessThanOrEqual(100)
      }
    }
    const graded = grades.filter((g) => g.investorGrade !== null).map((g) => g.investorGrade!)
    expect([...graded].sort((a, b) => b - a)).toEqual(graded)
  })

  it('orders a dominating asset above a dominated one', () => {
    expect(bySymbol.GOOD!.investorGrade!).toBeGreaterThan(bySymbol.MID!.investorGrade!)
    expect(bySymbol.MID!.investorGrade!).toBeGreaterThan(bySymbol.BAD!.investorGrade!)
    expect(bySymbol.GOOD!.percentiles.liquidity).toBe(100)
    expect(bySymbol.BAD!.percentiles.liquidity).toBe(0)
  })

  it('reproduces the metrics by hand', () => {
    const g = bySymbol.GOOD!
    const candles = universe.GOOD
    const closes = candles.map((c) => c.close)
    const n = closes.length
    const rets = closes
      .slice(n - 91)
      .map((c, i, a) => (i === 0 ? 0 : c / a[i - 1]! - 1))
      .slice(1)
    expect(rets).toHaveLength(90)
    const expected = (closes[n - 1]! / closes[n - 91]! - 1) / (sampleStandardDeviation(rets) * Math.sqrt(90))
    expect(g.metrics.riskAdjustedReturn90d).toBeCloseTo(expected, 12)
    expect(g.metrics.medianVolume30d).toBe(median(candles.slice(-30).map((c) => c.volume)))
    let peak = 0
    let worst = 0
    for (const c of closes.slice(n - 366)) {
      peak = Math.max(peak, c)
      worst = Math.min(worst, c / peak - 1)
    }
    expect(g.metrics.maxDrawdown365d).toBeCloseTo(worst, 12)
  })

  it('recombines the percentiles with the documented weights', () => {
    const g = bySymbol.MID!
    const w = INVESTOR_GRADE_WEIGHTS
    const p = g.percentiles
    const expected =
      w.riskAdjustedReturn90d * p.riskAdjustedReturn90d! +
      w.riskAdjustedReturn180d * p.riskAdjustedReturn180d! +
      w.riskAdjustedReturn365d * p.riskAdjustedReturn365d! +
      w.maxDrawdown365d * p.maxDrawdown365d! +
      w.liquidity * p.liquidity!
    expect(g.investorGrade).toBeCloseTo(expected, 12)
  })

  it('flags short histories, drops the windows they cannot cover, and leaves under-90-day assets ungraded', () => {
    const young = bySymbol.YOUNG!
    expect(young.insufficientHistory).toBe(true)
    expect(young.historyDays).toBe(199)
    expect(young.metrics.riskAdjustedReturn90d).not.toBeNull()
    expect(young.metrics.riskAdjustedReturn180d).not.toBeNull()
    expect(young.metrics.riskAdjustedReturn365d).toBeNull()
    expect(young.percentiles.riskAdjustedReturn365d).toBeNull()
    expect(young.investorGrade).not.toBeNull()

    const baby = bySymbol.BABY!
    expect(baby.insufficientHistory).toBe(true)
    expect(baby.investorGrade).toBeNull()
    expect(baby.label).toBeNull()
    expect(grades[grades.length - 1]!.symbol).toBe('BABY')

    expect(bySymbol.GOOD!.insufficientHistory).toBe(false)
  })

  it('leaves out an asset without a bar on asOf: its metrics would end on another day', () => {
    // STALE stopped trading 10 days before END, after a strong run.
    const stale = asset('STALE', 6, 0.01, 1e9).slice(0, -10)
    const withStale = investorGrades({ ...universe, STALE: stale })
    expect(withStale.map((g) => g.symbol)).not.toContain('STALE')
    // ...and does not move anyone else's percentiles.
    expect(withStale).toEqual(grades)
    // On a date it did trade, it is graded as usual.
    const earlier = investorGrades({ ...universe, STALE: stale }, { asOf: stale.at(-1)!.time })
    expect(earlier.find((g) => g.symbol === 'STALE')!.investorGrade).not.toBeNull()
  })

  it('uses only data up to asOf', () => {
    const asOf = addDays(END, -100)
    const truncated = Object.fromEntries(
      Object.entries(universe).map(([s, cs]) => [s, cs.filter((c) => c.time <= asOf)]),
    )
    const a = investorGrades(universe, { asOf })
    const b = investorGrades(truncated)
    expect(a).toEqual(b)
  })
})
