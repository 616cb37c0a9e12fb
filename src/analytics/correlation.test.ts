import { describe, expect, it } from 'vitest'
import { candlesFromCloses, closesFromReturns, randomReturns } from '../../test/helpers/analytics-builders'
import type { Candle } from '../lib/candle'
import {
  buildReturnIndex,
  computeCorrelations,
  correlateAsset,
  correlationExtremes,
  pearson,
} from './correlation'
import { alignReturns, dailyReturns, returnWindow } from './returns'

const fromReturns = (symbol: string, returns: readonly number[], start?: string) =>
  candlesFromCloses(symbol, closesFromReturns(returns), start === undefined ? {} : { start })

/** Textbook Pearson r, written independently of simple-statistics. */
function pearsonByHand(x: readonly number[], y: readonly number[]): number {
  const n = x.length
  const mx = x.reduce((a, b) => a + b, 0) / n
  const my = y.reduce((a, b) => a + b, 0) / n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my)
    sxx += (x[i]! - mx) ** 2
    syy += (y[i]! - my) ** 2
  }
  return sxy / Math.sqrt(sxx * syy)
}

describe('pearson', () => {
  it('matches the hand-written formula', () => {
    const x = randomReturns(200, 1)
    const y = randomReturns(200, 2).map((v, i) => v + 0.5 * x[i]!)
    expect(pearson(x, y)).toBeCloseTo(pearsonByHand(x, y), 12)
  })

  it('is null for a constant series or fewer than 2 points', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull()
    expect(pearson([1], [2])).toBeNull()
  })
})

describe('correlateAsset', () => {
  const base = randomReturns(400, 42)
  const universe: Record<string, Candle[]> = {
    X: fromReturns('X', base),
    LINEAR: fromReturns(
      'LINEAR',
      base.map((r) => 0.001 + 0.5 * r),
    ),
    INVERSE: fromReturns(
      'INVERSE',
      base.map((r) => -r),
    ),
    NOISE: fromReturns('NOISE', randomReturns(400, 43)),
    MIXED: fromReturns(
      'MIXED',
      randomReturns(400, 44).map((r, i) => r + base[i]!),
    ),
    // Only 20 days overlap with X's last 90 days.
    SHORT: fromReturns('SHORT', randomReturns(20, 45), '2025-01-15'),
    FLAT: candlesFromCloses('FLAT', Array(401).fill(5)),
  }
  const index = buildReturnIndex(universe)

  it('y = a + bx gives 1, −x gives −1, self is exactly 1', () => {
    const result = correlateAsset(index, 'X')!
    const bySymbol = Object.fromEntries(result.correlations.map((c) => [c.symbol, c.correlation]))
    expect(bySymbol.X).toBe(1)
    expect(bySymbol.LINEAR).toBeCloseTo(1, 12)
    expect(bySymbol.INVERSE).toBeCloseTo(-1, 12)
  })

  it('uses 90 days by default, sorts descending and keeps |r| <= 1', () => {
    const result = correlateAsset(index, 'X')!
    expect(result.days).toBe(90)
    expect(result.observations).toBe(90)
    const values = result.correlations.map((c) => c.correlation)
    expect(values).toEqual([...values].sort((a, b) => b - a))
    for (const v of values) expect(Math.abs(v)).toBeLessThanOrEqual(1)
    expect(result.correlations.at(-1)!.symbol).toBe('INVERSE')
  })

  it('skips pairs below the minimum overlap and constant series', () => {
    const result = correlateAsset(index, 'X')!
    expect(result.skipped).toEqual(['FLAT', 'SHORT'])
    const relaxed = correlateAsset(index, 'X', { minOverlap: 10 })!
    const short = relaxed.correlations.find((c) => c.symbol === 'SHORT')!
    expect(short.observations).toBe(20)
    // A 10-day window needs 10 shared days, not 30.
    const brief = correlateAsset(index, 'X', { days: 10 })!
    expect(brief.skipped).toEqual(['FLAT'])
    expect(brief.correlations.every((c) => c.observations === 10)).toBe(true)
  })

  it('agrees with an independent date-join + Pearson for a window and end date', () => {
    const result = correlateAsset(index, 'X', { days: 200, endDate: '2024-10-01' })!
    const target = returnWindow(dailyReturns(universe.X!), 200, '2024-10-01')
    const aligned = alignReturns(target, dailyReturns(universe.MIXED!))
    const mixed = result.correlations.find((c) => c.symbol === 'MIXED')!
    expect(mixed.observations).toBe(200)
    expect(mixed.correlation).toBeCloseTo(pearsonByHand(aligned.a, aligned.b), 12)
    expect(result.endDate).toBe('2024-10-01')
  })

  it('is symmetric', () => {
    const xy = correlateAsset(index, 'X')!.correlations.find((c) => c.symbol === 'MIXED')!.correlation
    const yx = correlateAsset(index, 'MIXED')!.correlations.find((c) => c.symbol === 'X')!.correlation
    expect(xy).toBeCloseTo(yx, 14)
  })

  it('validates the window and handles unknown symbols', () => {
    expect(() => correlateAsset(index, 'X', { days: 366 })).toThrow(RangeError)
    expect(() => correlateAsset(index, 'X', { days: 1 })).toThrow(RangeError)
    expect(correlateAsset(index, 'NOPE')).toBeNull()
    expect(computeCorrelations(universe, 'X', { days: 365 })!.observations).toBe(365)
  })

  it('extracts the most and least correlated others', () => {
    const { most, least } = correlationExtremes(correlateAsset(index, 'X')!, 2)
    expect(most.map((c) => c.symbol)).toEqual(['LINEAR', 'MIXED'])
    expect(least.map((c) => c.symbol)[0]).toBe('INVERSE')
  })
})

describe('whole universe', () => {
  it('correlates one asset against 80 others over 365 days (speed is measured in npm run bench)', () => {
    const universe: Record<string, Candle[]> = {}
    for (let i = 0; i < 81; i++) universe[`A${i}`] = fromReturns(`A${i}`, randomReturns(800, i))
    const index = buildReturnIndex(universe)
    const result = correlateAsset(index, 'A0', { days: 365 })!
    expect(result.correlations).toHaveLength(81)
    expect(result.correlations.find((c) => c.symbol === 'A0')?.correlation).toBeCloseTo(1, 12)
  })
})
