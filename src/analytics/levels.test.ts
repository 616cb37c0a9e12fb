import { describe, expect, it } from 'vitest'
import { barsFromCloses, randomWalk } from '../../test/helpers/technical-builders'
import type { Candle } from '../lib/candle'
import { clusterPivots, supportResistanceLevels } from './levels'
import { addDays } from './returns'

/** Bars with explicit highs and lows (close halfway), volume = 10 × index so touches can be summed by hand. */
function bars(highLows: readonly (readonly [number, number])[], lastClose?: number): Candle[] {
  return highLows.map(([high, low], i) => ({
    symbol: 'X',
    time: addDays('2024-01-01', i),
    open: (high + low) / 2,
    high,
    low,
    close: i === highLows.length - 1 && lastClose !== undefined ? lastClose : (high + low) / 2,
    volume: 10 * i,
    marketCap: null,
  }))
}

describe('clusterPivots', () => {
  it('groups prices within the tolerance of the group start and never chains beyond it', () => {
    const groups = clusterPivots(
      [{ price: 10 }, { price: 10.4 }, { price: 10.8 }, { price: 11.3 }, { price: 20 }],
      0.5,
    )
    expect(groups.map((g) => g.map((p) => p.price))).toEqual([[10, 10.4], [10.8, 11.3], [20]])
  })
})

describe('supportResistanceLevels', () => {
  // Oscillation between ~110 and ~90 with period 10: peaks at 5, 15, 25, 35; troughs at 10, 20, 30.
  const wave: [number, number][] = Array.from({ length: 43 }, (_, i) => {
    const phase = i % 10
    const mid = 100 + 2 * (phase <= 5 ? phase : 10 - phase) - 5
    // Peaks alternate between 110 and 110.2, troughs between 90 and 89.9, to exercise clustering.
    const bump = Math.floor(i / 10) % 2 === 0 ? 0 : 0.2
    return phase === 5 ? [110 + bump, mid - 1] : phase === 0 ? [mid + 1, 90 - bump / 2] : [mid + 1, mid - 1]
  })
  const candles = bars(wave, 101)

  it('finds one resistance cluster at the peaks and one support cluster at the troughs', () => {
    const r = supportResistanceLevels(candles, { window: 3, tolerancePct: 0.01 })!
    expect(r.close).toBe(101)
    expect(r.tolerance).toBeCloseTo(1.01, 12)
    const resistance = r.levels.find((l) => l.type === 'resistance')!
    const support = r.levels.find((l) => l.type === 'support')!
    expect(resistance.touches).toBe(4)
    expect(resistance.price).toBeCloseTo((110 + 110.2 + 110 + 110.2) / 4, 9)
    expect(resistance.pivotHighs).toBe(4)
    expect(resistance.firstTouch).toBe(candles[5]!.time)
    expect(resistance.lastTouch).toBe(candles[35]!.time)
    expect(resistance.volumeAtTouches).toBe(10 * (5 + 15 + 25 + 35))
    expect(support.touches).toBe(3)
    expect(support.price).toBeCloseTo((89.9 + 90 + 89.9) / 3, 9)
    expect(support.pivotLows).toBe(3)
    expect(support.distance).toBeCloseTo(support.price / 101 - 1, 12)
  })

  it('splits clusters when the tolerance is tighter than their spread', () => {
    const r = supportResistanceLevels(candles, { window: 3, tolerancePct: 0.001 })!
    const resistances = r.levels.filter((l) => l.type === 'resistance')
    expect(resistances.map((l) => l.price).sort()).toEqual([110, 110.2])
    expect(resistances.map((l) => l.touches)).toEqual([2, 2])
  })

  it('sorts by proximity to the last close and honours the limit', () => {
    const walk = barsFromCloses('RW', randomWalk(500, 21, { scale: 0.04 }), { range: 0.02 })
    const r = supportResistanceLevels(walk, { limit: 8 })!
    expect(r.levels.length).toBeLessThanOrEqual(8)
    expect(r.levels.length).toBeGreaterThan(0)
    const distances = r.levels.map((l) => Math.abs(l.price - r.close))
    expect([...distances].sort((a, b) => a - b)).toEqual(distances)
    for (const l of r.levels) {
      expect(l.touches).toBeGreaterThanOrEqual(1)
      expect(l.touches).toBe(l.pivotHighs + l.pivotLows)
      expect(l.type).toBe(l.price >= r.close ? 'resistance' : 'support')
      expect(l.firstTouch <= l.lastTouch).toBe(true)
    }
    // Default tolerance: 0.5 × ATR(14) at the last bar.
    expect(r.tolerance).toBeGreaterThan(0)
  })

  it('only looks at the last `lookback` bars when asked', () => {
    const all = supportResistanceLevels(candles, { window: 3, tolerancePct: 0.01 })!
    const recent = supportResistanceLevels(candles, { window: 3, tolerancePct: 0.01, lookback: 20 })!
    const touches = (r: typeof all) => r.levels.reduce((s, l) => s + l.touches, 0)
    expect(touches(recent)).toBeLessThan(touches(all))
    for (const l of recent.levels) expect(l.firstTouch >= candles[candles.length - 20]!.time).toBe(true)
  })

  it('returns null for no bars and no levels when nothing can be a pivot', () => {
    expect(supportResistanceLevels([])).toBeNull()
    expect(supportResistanceLevels(candles.slice(0, 5), { window: 3 })!.levels).toEqual([])
  })
})
