import * as ti from 'technicalindicators'
import { BollingerBands, EMA } from 'trading-signals'
import { describe, expect, it } from 'vitest'
import { barsFromCloses, linearPath, randomWalk } from '../../test/helpers/technical-builders'
import { atr, bollinger, ema, macd, rsi, sma, swingPivots } from './indicators'

const closes = randomWalk(600, 7)
const bars = barsFromCloses('X', closes, { range: 0.02 })

/** Non-null tail of an aligned series (the part another library also reports). */
const defined = <T>(series: readonly (T | null)[]): T[] => series.filter((v): v is T => v !== null)

/** Relative difference, safe around 0. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b))

describe('alignment and warm-up', () => {
  it.each([
    ['sma(20)', sma(closes, 20), 19],
    ['ema(20)', ema(closes, 20), 19],
    ['rsi(14)', rsi(closes, 14), 14],
    ['atr(14)', atr(bars, 14), 13],
    ['macd(12,26,9)', macd(closes), 33],
    ['bollinger(20)', bollinger(closes, 20), 19],
  ] as const)('%s is aligned to the input and null exactly before index %i', (_, series, first) => {
    expect(series).toHaveLength(closes.length)
    expect(series.findIndex((v) => v !== null)).toBe(first)
    expect(series.slice(first).every((v) => v !== null)).toBe(true)
  })

  it('rejects non-positive or fractional periods', () => {
    expect(() => sma(closes, 0)).toThrow(RangeError)
    expect(() => ema(closes, 2.5)).toThrow(RangeError)
    expect(() => macd(closes, { fast: 26, slow: 12 })).toThrow(RangeError)
  })
})

describe('closed-form values', () => {
  it('SMA equals the hand-computed window mean', () => {
    const values = [1, 2, 3, 4, 5, 6, 7]
    expect(sma(values, 3)).toEqual([null, null, 2, 3, 4, 5, 6])
  })

  it('EMA starts at the SMA of the first n values', () => {
    expect(ema([1, 2, 3, 4, 5, 6], 3)).toEqual([null, null, 2, 3, 4, 5])
    expect(ema(closes, 10)[9]).toBeCloseTo(sma(closes, 10)[9]!, 12)
  })

  it('EMA of a constant is that constant', () => {
    expect(defined(ema(Array(50).fill(42), 10)).every((v) => Math.abs(v - 42) < 1e-9)).toBe(true)
  })

  it('EMA follows the recursion e_t = α·x_t + (1 − α)·e_{t−1} with α = 2 / (n + 1)', () => {
    const out = ema(closes, 10)
    const alpha = 2 / 11
    for (let i = 10; i < 60; i++)
      expect(out[i]).toBeCloseTo(alpha * closes[i]! + (1 - alpha) * out[i - 1]!, 9)
  })

  it('RSI of a strictly rising series is 100 and of a strictly falling one is 0', () => {
    expect(defined(rsi(linearPath(10, 50, 40))).every((v) => v === 100)).toBe(true)
    expect(defined(rsi(linearPath(50, 10, 40))).every((v) => Math.abs(v) < 1e-9)).toBe(true)
  })

  it('RSI of alternating ±1 moves settles at the Wilder steady state 100·14/27 after an up move', () => {
    // Steady state with α = 1/14: after an up move avgGain = 1/(2 − α), avgLoss = (1 − α)/(2 − α),
    // so RSI = 100 / (2 − α) = 100·14/27 ≈ 51.85; after a down move it is 100·13/27.
    const zigzag = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 100 : 101))
    const out = rsi(zigzag)
    expect(out[399]).toBeCloseTo((100 * 14) / 27, 9)
    expect(out[398]).toBeCloseTo((100 * 13) / 27, 9)
  })

  it('ATR of bars with a constant range and no gaps equals that range', () => {
    const flat = Array.from({ length: 40 }, () => ({ high: 11, low: 9, close: 10 }))
    expect(defined(atr(flat)).every((v) => Math.abs(v - 2) < 1e-12)).toBe(true)
  })

  it('MACD of a constant is 0 and of a linear trend converges to the closed-form EMA lag difference', () => {
    expect(defined(macd(Array(100).fill(5))).every((m) => m.macd === 0 && m.histogram === 0)).toBe(true)
    // For x_t = a + b·t an EMA with α = 2/(n+1) lags by (n − 1)/2 bars, so MACD → b·(slow − fast)/2.
    const trend = Array.from({ length: 600 }, (_, t) => 100 + 2 * t)
    const last = macd(trend)[599]!
    expect(last.macd).toBeCloseTo((2 * (26 - 12)) / 2, 6)
    expect(last.histogram).toBeCloseTo(0, 6)
  })

  it('Bollinger bands are symmetric, %B is 0.5 for a flat window and 1 on the upper band', () => {
    const flat = bollinger(Array(30).fill(3))
    expect(flat[29]).toEqual({ lower: 3, middle: 3, upper: 3, percentB: 0.5 })
    for (const b of defined(bollinger(closes))) {
      expect(b.upper - b.middle).toBeCloseTo(b.middle - b.lower, 9)
    }
    // Window [1..20]: population sd = √((20² − 1) / 12).
    const window = Array.from({ length: 20 }, (_, i) => i + 1)
    const b = bollinger(window)[19]!
    const sd = Math.sqrt((20 * 20 - 1) / 12)
    expect(b.middle).toBeCloseTo(10.5, 12)
    expect(b.upper).toBeCloseTo(10.5 + 2 * sd, 12)
    expect(b.percentB).toBeCloseTo((20 - (10.5 - 2 * sd)) / (4 * sd), 12)
  })
})

describe('cross-check against technicalindicators (independent implementation)', () => {
  it('SMA matches exactly', () => {
    const ours = defined(sma(closes, 20))
    const theirs = ti.SMA.calculate({ period: 20, values: closes })
    expect(ours).toHaveLength(theirs.length)
    ours.forEach((v, i) => {
      expect(rel(v, theirs[i]!)).toBeLessThan(1e-12)
    })
  })

  it.each([5, 12, 20, 26, 50])(
    'EMA(%i) matches from its first value (both seeded with the SMA of the first n)',
    (n) => {
      const ours = defined(ema(closes, n))
      const theirs = ti.EMA.calculate({ period: n, values: closes })
      expect(ours).toHaveLength(theirs.length)
      ours.forEach((v, i) => {
        expect(rel(v, theirs[i]!)).toBeLessThan(1e-12)
      })
    },
  )

  it("differs from trading-signals' first-value-seeded EMA until that seed decays by (1 − α) per bar", () => {
    // What the library alone gives (e_0 = x_0), and why we seed with the SMA instead.
    const lib = new EMA(20)
    const firstValueSeeded = closes.map((c) => lib.add(c))
    const ours = ema(closes, 20)
    expect(rel(firstValueSeeded[19]!, ours[19]!)).toBeGreaterThan(1e-3)
    // (19/21)^k: below 1e-8 relative after about 9 × (n + 1) bars.
    for (let i = 19 + 190; i < closes.length; i++)
      expect(rel(firstValueSeeded[i]!, ours[i]!)).toBeLessThan(1e-8)
  })

  it('RSI matches from the first value (both SMA-seeded Wilder); theirs is rounded to 2 decimals', () => {
    const ours = defined(rsi(closes, 14))
    const theirs = ti.RSI.calculate({ period: 14, values: closes })
    expect(ours).toHaveLength(theirs.length)
    ours.forEach((v, i) => {
      expect(Math.abs(v - theirs[i]!)).toBeLessThanOrEqual(0.005 + 1e-9)
    })
  })

  it('ATR converges (theirs skips the first bar, ours counts its high − low)', () => {
    const ours = atr(bars, 14)
    const theirs = ti.ATR.calculate({
      period: 14,
      high: bars.map((b) => b.high),
      low: bars.map((b) => b.low),
      close: bars.map((b) => b.close),
    })
    // Theirs: first value at index 14; align from the end. The seed gap decays by 13/14 per bar.
    const offset = ours.length - theirs.length
    expect(rel(ours[offset]!, theirs[0]!)).toBeGreaterThan(1e-6)
    for (let i = 300; i < theirs.length; i++) expect(rel(ours[i + offset]!, theirs[i]!)).toBeLessThan(1e-8)
  })

  it('MACD(12, 26, 9) matches from its first value (SMA-seeded EMAs and signal)', () => {
    const ours = macd(closes)
    const theirs = ti.MACD.calculate({
      values: closes,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    })
    // Theirs starts at index 25 with the signal undefined for its first 8 values; ours starts at 33.
    const offset = ours.length - theirs.length
    expect(offset).toBe(25)
    for (let i = 8; i < theirs.length; i++) {
      const o = ours[i + offset]!
      const t = theirs[i]!
      const scale = closes[i + offset]!
      expect(Math.abs(o.macd - t.MACD!) / scale).toBeLessThan(1e-12)
      expect(Math.abs(o.signal - t.signal!) / scale).toBeLessThan(1e-12)
      expect(Math.abs(o.histogram - t.histogram!) / scale).toBeLessThan(1e-12)
    }
  })

  it('Bollinger bands and %B match exactly, and match trading-signals BollingerBands', () => {
    const ours = defined(bollinger(closes, 20, 2))
    const theirs = ti.BollingerBands.calculate({ period: 20, values: closes, stdDev: 2 })
    const lib = new BollingerBands(20, 2)
    const libOut = defined(closes.map((c) => lib.add(c)))
    expect(ours).toHaveLength(theirs.length)
    ours.forEach((b, i) => {
      const t = theirs[i]!
      expect(rel(b.upper, t.upper)).toBeLessThan(1e-12)
      expect(rel(b.lower, t.lower)).toBeLessThan(1e-12)
      expect(Math.abs(b.percentB - t.pb)).toBeLessThan(1e-9)
      expect(rel(b.upper, libOut[i]!.upper)).toBeLessThan(1e-12)
      expect(rel(b.lower, libOut[i]!.lower)).toBeLessThan(1e-12)
    })
  })
})

describe('swingPivots', () => {
  it('finds the peaks and troughs of a triangle wave and none in the unconfirmed tail', () => {
    // Period-10 triangle: peaks at 5, 15, 25…; troughs at 10, 20, 30…
    const wave = Array.from({ length: 43 }, (_, i) => {
      const phase = i % 10
      return 100 + (phase <= 5 ? phase : 10 - phase)
    })
    const { highs, lows } = swingPivots(
      wave.map((c) => ({ high: c, low: c })),
      3,
    )
    expect(highs).toEqual([5, 15, 25, 35])
    expect(lows).toEqual([10, 20, 30])
    // Index 40 is a trough but only 2 bars follow it: not confirmed yet.
    expect(lows).not.toContain(40)
  })

  it('ignores plateaus: equal highs inside the window disqualify each other', () => {
    const highs = [1, 2, 3, 5, 5, 3, 2, 1, 0, 0].map((h) => ({ high: h, low: h - 1 }))
    expect(swingPivots(highs, 2).highs).toEqual([])
  })
})
