import { mean, median, sampleStandardDeviation } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { barsFromCloses, randomWalk } from '../../test/helpers/technical-builders'
import type { Candle } from '../lib/candle'
import {
  marketSentiment,
  marketSentimentHistory,
  SENTIMENT_LABEL_THRESHOLDS,
  sentimentLabel,
} from './market-sentiment'
import { addDays } from './returns'

const DAYS = 520
const START = '2024-01-01'
const END = addDays(START, DAYS - 1)

function universeOf(drift: number, volume: (i: number) => number = () => 1e6): Record<string, Candle[]> {
  const symbols = ['BTC', 'A', 'B', 'C', 'D', 'E']
  return Object.fromEntries(
    symbols.map((s, k) => [
      s,
      barsFromCloses(s, randomWalk(DAYS, 100 + k, { drift, scale: 0.02 }), { start: START, volume }),
    ]),
  )
}

describe('sentimentLabel', () => {
  it.each([
    [0, 'Extreme Fear'],
    [24.999, 'Extreme Fear'],
    [25, 'Fear'],
    [44.999, 'Fear'],
    [45, 'Neutral'],
    [54.999, 'Neutral'],
    [55, 'Greed'],
    [74.999, 'Greed'],
    [75, 'Extreme Greed'],
    [100, 'Extreme Greed'],
  ] as const)('%d → %s', (score, label) => {
    expect(sentimentLabel(score)).toBe(label)
  })

  it('thresholds ascend', () => {
    const bounds = SENTIMENT_LABEL_THRESHOLDS.map(([b]) => b)
    expect([...bounds].sort((a, b) => a - b)).toEqual(bounds)
  })
})

describe('marketSentiment', () => {
  it('reads greed in a broad rally on rising volume and fear in a broad sell-off', () => {
    const surge = (i: number) => (i >= DAYS - 7 ? 3e6 : 1e6)
    const bull = marketSentiment(universeOf(0.01, surge))!
    const bear = marketSentiment(universeOf(-0.01))!
    expect(bull.time).toBe(END)
    expect(bull.score!).toBeGreaterThan(55)
    expect(bear.score!).toBeLessThan(45)
    expect(bull.components.breadth.aboveSma50Share).toBe(1)
    expect(bear.components.breadth.aboveSma50Share).toBe(0)
    expect(bull.components.momentum.score!).toBeGreaterThan(bear.components.momentum.score!)
  })

  it('reproduces every component by hand', () => {
    // Volume doubles on the last 7 days for every asset: ratio = 2 / ((83 + 14) / 90) = 180 / 97.
    const universe = universeOf(0.001, (i) => (i >= DAYS - 7 ? 2e6 : 1e6))
    const s = marketSentiment(universe)!
    const c = s.components
    const btc = universe.BTC!.map((b) => b.close)
    const n = btc.length

    expect(c.volume.ratio).toBeCloseTo(180 / 97, 12)
    expect(c.volume.score).toBeCloseTo(50 + 50 * Math.log2(180 / 97), 12)
    expect(c.volume.assetsWithVolume).toBe(6)

    const vol30 = (end: number) => {
      const r = []
      for (let k = end - 29; k <= end; k++) r.push(btc[k]! / btc[k - 1]! - 1)
      return sampleStandardDeviation(r) * Math.sqrt(365)
    }
    const avg = mean(Array.from({ length: 365 }, (_, k) => vol30(n - 365 + k)))
    expect(c.volatility.btcVolatility30d).toBeCloseTo(vol30(n - 1), 12)
    expect(c.volatility.btcVolatilityAverage1y).toBeCloseTo(avg, 12)
    expect(c.volatility.score).toBeCloseTo(
      Math.min(100, Math.max(0, 50 - 50 * Math.log2(vol30(n - 1) / avg))),
      9,
    )

    const sma125 = mean(btc.slice(n - 125))
    expect(c.momentum.btcVsSma125).toBeCloseTo(btc[n - 1]! / sma125 - 1, 12)
    const med = median(Object.values(universe).map((cs) => cs[n - 1]!.close / cs[n - 31]!.close - 1))
    expect(c.momentum.medianReturn30d).toBeCloseTo(med, 12)
    const logistic = (x: number) => 100 / (1 + Math.exp(-x / 0.1))
    expect(c.momentum.score).toBeCloseTo((logistic(c.momentum.btcVsSma125!) + logistic(med)) / 2, 9)

    const above = Object.values(universe).filter(
      (cs) => cs[n - 1]!.close > mean(cs.slice(n - 50).map((b) => b.close)),
    )
    expect(c.breadth.aboveSma50Share).toBeCloseTo(above.length / 6, 12)
    expect(c.breadth.score).toBeCloseTo((100 * above.length) / 6, 12)

    const expected = (c.volatility.score! + c.momentum.score! + c.breadth.score! + c.volume.score!) / 4
    expect(s.score).toBeCloseTo(expected, 12)
    expect(s.label).toBe(sentimentLabel(s.score!))
  })

  it('leaves assets without 90 bars out of the volume component (a new listing is not a surge)', () => {
    const universe = universeOf(0)
    universe.NEW = barsFromCloses('NEW', randomWalk(30, 9), { start: addDays(END, -29), volume: 1e12 })
    const s = marketSentiment(universe)!
    expect(s.components.volume.assetsWithVolume).toBe(6)
    expect(s.components.volume.ratio).toBeCloseTo(1, 12)
    // It still counts where it has the data: a 30-day return, but no SMA50 yet.
    expect(s.components.momentum.assetsWithReturn).toBe(6)
    expect(s.components.breadth.assetsWithSma50).toBe(6)
  })

  it('returns null for a date with no bars and tolerates a missing benchmark', () => {
    expect(marketSentiment(universeOf(0), { asOf: '2030-01-01' })).toBeNull()
    const s = marketSentiment(universeOf(0), { benchmark: 'NOPE' })!
    expect(s.components.volatility.score).toBeNull()
    expect(s.components.momentum.btcVsSma125).toBeNull()
    expect(s.score).not.toBeNull()
  })
})

describe('marketSentimentHistory', () => {
  const universe = universeOf(0.002)
  const history = marketSentimentHistory(universe)

  it('covers every universe date, scores stay in [0, 100] with consistent labels', () => {
    expect(history).toHaveLength(DAYS)
    for (const p of history) {
      if (p.score === null) continue
      expect(p.score).toBeGreaterThanOrEqual(0)
      expect(p.score).toBeLessThanOrEqual(100)
      expect(p.label).toBe(sentimentLabel(p.score))
    }
    // Day 1 has nothing to look back on.
    expect(history[0]!.score).toBeNull()
  })

  it('honours from/to and has no look-ahead: truncating the data does not change past days', () => {
    const from = addDays(START, 300)
    const to = addDays(START, 400)
    const range = marketSentimentHistory(universe, { from, to })
    expect(range[0]!.time).toBe(from)
    expect(range[range.length - 1]!.time).toBe(to)
    const truncated = Object.fromEntries(
      Object.entries(universe).map(([s, cs]) => [s, cs.filter((c) => c.time <= to)]),
    )
    expect(marketSentimentHistory(truncated, { from, to })).toEqual(range)
    expect(range).toEqual(history.slice(300, 401))
  })
})
