import { describe, expect, it } from 'vitest'
import { clamp, logisticScore, normalPercentile, piecewiseLinear, weightedMean } from './score-maps'

describe('piecewiseLinear', () => {
  const knots = [
    [0, 0],
    [1, 100],
    [1.5, 50],
  ] as const

  it.each([
    [-5, 0],
    [0, 0],
    [0.25, 25],
    [1, 100],
    [1.25, 75],
    [1.5, 50],
    [9, 50],
  ])('maps %d to %d (flat outside the knots, linear between)', (x, y) => {
    expect(piecewiseLinear(x, knots)).toBeCloseTo(y, 12)
  })

  it('needs at least one knot', () => {
    expect(() => piecewiseLinear(1, [])).toThrow(RangeError)
  })
})

describe('logisticScore', () => {
  it('is 50 at 0, symmetric, and 100/(1 + e^−1) at one scale', () => {
    expect(logisticScore(0, 0.3)).toBe(50)
    expect(logisticScore(0.3, 0.3) + logisticScore(-0.3, 0.3)).toBeCloseTo(100, 12)
    expect(logisticScore(0.3, 0.3)).toBeCloseTo(100 / (1 + Math.exp(-1)), 12)
  })

  it('stays inside [0, 100] for extreme inputs', () => {
    expect(logisticScore(1e6, 1)).toBe(100)
    expect(logisticScore(-1e6, 1)).toBe(0)
  })
})

describe('normalPercentile', () => {
  it.each([
    [0, 50],
    [1.959964, 97.5],
    [-1.959964, 2.5],
    [1, 84.1345],
  ])('Φ(%d) × 100 ≈ %d', (z, pct) => {
    // simple-statistics' erf approximation is accurate to ~1e-7.
    expect(normalPercentile(z)).toBeCloseTo(pct, 3)
  })

  it('is clamped to [0, 100] in the far tails', () => {
    expect(normalPercentile(50)).toBeLessThanOrEqual(100)
    expect(normalPercentile(-50)).toBeGreaterThanOrEqual(0)
  })
})

describe('weightedMean / clamp', () => {
  it('renormalises the weights over the parts that exist', () => {
    expect(
      weightedMean([
        { value: 80, weight: 0.5 },
        { value: null, weight: 0.3 },
        { value: 20, weight: 0.2 },
      ]),
    ).toBeCloseTo((80 * 0.5 + 20 * 0.2) / 0.7, 12)
    expect(weightedMean([{ value: null, weight: 1 }])).toBeNull()
  })

  it('clamps', () => {
    expect(clamp(5, 0, 1)).toBe(1)
    expect(clamp(-5, 0, 1)).toBe(0)
    expect(clamp(0.5, 0, 1)).toBe(0.5)
  })
})
