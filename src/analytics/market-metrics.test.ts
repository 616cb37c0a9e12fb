import { SMA } from 'technicalindicators'
import { describe, expect, it } from 'vitest'
import { candlesFromCloses, closesFromReturns, randomReturns } from '../../test/helpers/analytics-builders'
import type { Candle } from '../lib/candle'
import { computeMarketMetrics, regimeOf, smaSeries } from './market-metrics'

describe('computeMarketMetrics: small hand-computed universe', () => {
  const start = '2024-01-01'
  const universe = {
    A: candlesFromCloses('A', [10, 11, 12], { start, supply: 2 }),
    B: candlesFromCloses('B', [5, 4, 4], { start, marketCaps: [50, null, 40] }),
    C: candlesFromCloses('C', [1, 2], { start: '2024-01-02', supply: 100 }),
  }
  const result = computeMarketMetrics(universe)

  it('sums market caps of assets that have one', () => {
    expect(result.days.map((d) => d.totalMarketCap)).toEqual([70, 22 + 100, 24 + 40 + 200])
    expect(result.days.map((d) => d.assetsWithMarketCap)).toEqual([2, 2, 3])
  })

  it('advancing share counts strictly positive 1-day returns among assets with a return', () => {
    // Day 2: A up, B down (C has no return yet); day 3: A up, B flat, C up.
    expect(result.days.map((d) => d.advancingShare)).toEqual([null, 0.5, 2 / 3])
    expect(result.days.map((d) => d.assetsWithReturn)).toEqual([0, 2, 3])
  })

  it('has no SMA breadth or regime before enough history', () => {
    expect(result.latest!.aboveSma50Share).toBeNull()
    expect(result.latest!.regime).toBeNull()
    expect(result.latest!.totalMarketCapSma50).toBeNull()
  })
})

function randomUniverse(n: number, days: number, drift: number): Record<string, Candle[]> {
  const out: Record<string, Candle[]> = {}
  for (let i = 0; i < n; i++) {
    const closes = closesFromReturns(randomReturns(days, 300 + i, 0.03, drift), 5 + i)
    out[`A${i}`] = candlesFromCloses(`A${i}`, closes, { supply: 1000 * (i + 1) })
  }
  return out
}

describe('breadth and regime on generated data', () => {
  it('share above SMA50 matches technicalindicators SMA', () => {
    const universe = randomUniverse(15, 300, 0)
    const result = computeMarketMetrics(universe)
    const expected = new Map<string, { above: number; total: number }>()
    for (const candles of Object.values(universe)) {
      const closes = candles.map((c) => c.close)
      const sma = SMA.calculate({ period: 50, values: closes })
      sma.forEach((value, k) => {
        const i = k + 49
        const e = expected.get(candles[i]!.time) ?? { above: 0, total: 0 }
        e.total++
        if (closes[i]! > value) e.above++
        expected.set(candles[i]!.time, e)
      })
    }
    for (const day of result.days) {
      const e = expected.get(day.time)
      expect(day.assetsWithSma50).toBe(e?.total ?? 0)
      expect(day.aboveSma50Share).toBe(e ? e.above / e.total : null)
    }
  })

  it('total-cap SMAs match technicalindicators', () => {
    const result = computeMarketMetrics(randomUniverse(5, 260, 0))
    const totals = result.days.map((d) => d.totalMarketCap)
    const sma200 = SMA.calculate({ period: 200, values: totals })
    expect(result.days[199]!.totalMarketCapSma200).toBeCloseTo(sma200[0]!, 6)
    expect(result.days.at(-1)!.totalMarketCapSma200).toBeCloseTo(sma200.at(-1)!, 6)
    expect(result.days[198]!.totalMarketCapSma200).toBeNull()
    expect(smaSeries([1, 2, 3, 4], 2)).toEqual([null, 1.5, 2.5, 3.5])
  })

  it('a steadily rising market is bull, a falling one bear', () => {
    const up = computeMarketMetrics(randomUniverse(10, 300, 0.01))
    const down = computeMarketMetrics(randomUniverse(10, 300, -0.01))
    expect(up.latest!.regime).toBe('bull')
    expect(down.latest!.regime).toBe('bear')
    expect(up.days[198]!.regime).toBeNull()
    expect(up.days[199]!.regime).not.toBeNull()
  })

  it('startDate/endDate bound the output but not the averages', () => {
    const universe = randomUniverse(4, 300, 0)
    const full = computeMarketMetrics(universe)
    const part = computeMarketMetrics(universe, { startDate: '2024-09-01', endDate: '2024-09-30' })
    expect(part.days).toHaveLength(30)
    expect(part.days[0]).toEqual(full.days.find((d) => d.time === '2024-09-01'))
    expect(part.latest!.time).toBe('2024-09-30')
  })
})

describe('regimeOf', () => {
  it.each([
    [2, 1, 0.6, 'bull'],
    [2, 1, 0.5, 'neutral'],
    [1, 2, 0.4, 'bear'],
    [1, 2, 0.6, 'neutral'],
    [2, 1, 0.4, 'neutral'],
    [1, 1, 0.9, 'neutral'],
    [null, 1, 0.9, null],
    [2, 1, null, null],
  ] as const)('fast %s slow %s breadth %s → %s', (fast, slow, breadth, regime) => {
    expect(regimeOf(fast, slow, breadth)).toBe(regime)
  })
})

describe('signal breadth', () => {
  const universe = randomUniverse(6, 120, 0)

  it('uses provided signals when given', () => {
    const { signals } = computeMarketMetrics(universe, { signals: { A0: 1, A1: 1, A2: -1, A3: 0 } })
    expect(signals).toMatchObject({
      source: 'signals',
      bullish: 2,
      bearish: 1,
      neutral: 1,
      total: 4,
      bullishShare: 0.5,
    })
  })

  it('falls back to a price > SMA50 proxy on the last day and says so', () => {
    const result = computeMarketMetrics(universe)
    expect(result.signals.source).toBe('price-above-sma50-proxy')
    expect(result.signals.asOf).toBe(result.latest!.time)
    expect(result.signals.total).toBe(6)
    expect(result.signals.bullishShare).toBe(result.latest!.aboveSma50Share)
    expect(result.signals.note).toMatch(/proxy/)
  })

  it('handles an empty universe', () => {
    const result = computeMarketMetrics({})
    expect(result.days).toEqual([])
    expect(result.latest).toBeNull()
    expect(result.signals.bullishShare).toBeNull()
  })
})
