import { describe, expect, it } from 'vitest'
import { barsFromCloses, linearPath, randomWalk } from '../../test/helpers/technical-builders'
import { atr, ema } from './indicators'
import {
  latestTradingSignal,
  nextSignal,
  summarizeSignalHistory,
  tradingSignalHistory,
  tradingSignalWarmup,
} from './trading-signal'

const up = barsFromCloses('UP', linearPath(100, 300, 120))
const down = barsFromCloses('DN', linearPath(300, 100, 120))
// Rally, then a slide: the signal must turn from +1 to −1 at some point.
const turn = barsFromCloses('TURN', [...linearPath(100, 200, 100), ...linearPath(199, 80, 100)])
const noisy = barsFromCloses('RW', randomWalk(800, 11, { scale: 0.04 }))

describe('nextSignal (band 0.5 with hysteresis)', () => {
  it.each([
    [0.6, 0, 1],
    [-0.6, 0, -1],
    [0.3, 0, 0],
    [0.3, 1, 1],
    [0, 1, 1],
    [-0.1, 1, 0],
    [-0.3, -1, -1],
    [0.1, -1, 0],
    [-0.6, 1, -1],
    [0.6, -1, 1],
  ] as const)('z = %d after %d gives %d', (z, previous, expected) => {
    expect(nextSignal(z, 0.5, previous)).toBe(expected)
  })
})

describe('tradingSignalHistory', () => {
  it('starts at the warm-up bar and only emits -1, 0 or 1', () => {
    const history = tradingSignalHistory(noisy)
    expect(tradingSignalWarmup()).toBe(50)
    expect(history).toHaveLength(noisy.length - 49)
    expect(history[0]!.time).toBe(noisy[49]!.time)
    for (const p of history) expect([-1, 0, 1]).toContain(p.signal)
  })

  it('is bullish throughout a steady uptrend and bearish throughout a steady downtrend', () => {
    expect(tradingSignalHistory(up).every((p) => p.signal === 1)).toBe(true)
    expect(tradingSignalHistory(down).every((p) => p.signal === -1)).toBe(true)
  })

  it('reproduces the rule from independently computed EMAs and ATR', () => {
    const closes = noisy.map((c) => c.close)
    const f = ema(closes, 20)
    const s = ema(closes, 50)
    const a = atr(noisy, 14)
    let previous: -1 | 0 | 1 = 0
    const history = tradingSignalHistory(noisy)
    history.forEach((p, k) => {
      const i = k + 49
      const z = (f[i]! - s[i]!) / a[i]!
      expect(p.spreadAtr).toBeCloseTo(z, 12)
      const expected =
        z > 0.5 ? 1 : z < -0.5 ? -1 : previous === 1 && z >= 0 ? 1 : previous === -1 && z <= 0 ? -1 : 0
      expect(p.signal).toBe(expected)
      previous = expected
    })
  })

  it('is interval-agnostic and scale-free: hourly bars and prices × 1000 give the same signals', () => {
    const closes = noisy.map((c) => c.close)
    const daily = tradingSignalHistory(noisy).map((p) => p.signal)
    const hourly = tradingSignalHistory(barsFromCloses('RW', closes, { interval: '1h' }))
    expect(hourly.map((p) => p.signal)).toEqual(daily)
    expect(hourly[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/)
    const scaled = tradingSignalHistory(
      barsFromCloses(
        'RW',
        closes.map((c) => c * 1000),
      ),
    )
    expect(scaled.map((p) => p.signal)).toEqual(daily)
  })

  it('rejects fast >= slow and a negative band', () => {
    expect(() => tradingSignalHistory(noisy, { fast: 50, slow: 20 })).toThrow(RangeError)
    expect(() => tradingSignalHistory(noisy, { band: -1 })).toThrow(RangeError)
  })
})

describe('latestTradingSignal', () => {
  it('is null before the warm-up', () => {
    expect(latestTradingSignal(noisy.slice(0, 49))).toBeNull()
    expect(latestTradingSignal(noisy.slice(0, 50))).not.toBeNull()
  })

  it('dates lastChange at the bar where the signal actually changed and computes ROI from there', () => {
    const history = tradingSignalHistory(turn)
    const s = latestTradingSignal(turn)!
    expect(s.signal).toBe(-1)
    expect(s.trend).toBe(-1)
    const k = history.findIndex((p) => p.time === s.lastChange)
    expect(history[k]!.signal).toBe(s.signal)
    expect(history[k - 1]!.signal).not.toBe(s.signal)
    expect(history.slice(k).every((p) => p.signal === s.signal)).toBe(true)
    expect(s.barsSinceChange).toBe(history.length - 1 - k)
    const changeBar = turn.find((c) => c.time === s.lastChange)!
    expect(s.priceAtChange).toBe(changeBar.close)
    expect(s.roiSinceChange).toBeCloseTo(turn[turn.length - 1]!.close / changeBar.close - 1, 12)
    // The rally ended at bar 99, so the bearish flip must come after it.
    expect(s.lastChange > turn[99]!.time).toBe(true)
  })

  it('uses the first evaluable bar as lastChange when the signal never changed', () => {
    const s = latestTradingSignal(up)!
    expect(s.lastChange).toBe(up[49]!.time)
    expect(s.roiSinceChange).toBeCloseTo(300 / up[49]!.close - 1, 12)
  })

  it('keeps the last non-zero signal as the trend while the signal is neutral', () => {
    const history = tradingSignalHistory(noisy)
    const neutral = history.findIndex((p, i) => p.signal === 0 && i > 0 && history[i - 1]!.signal !== 0)
    expect(neutral).toBeGreaterThan(0)
    const summary = summarizeSignalHistory('RW', history.slice(0, neutral + 1))!
    expect(summary.signal).toBe(0)
    expect(summary.trend).toBe(history[neutral - 1]!.signal)
  })
})
