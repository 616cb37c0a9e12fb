import { describe, expect, it } from 'vitest'
import { candlesFromCloses, closesFromReturns, randomReturns } from '../../test/helpers/analytics-builders'
import { computePricePrediction, DEFAULT_MARKET_SCENARIOS, marketCapShareHistory } from './price-prediction'

describe('computePricePrediction: closed forms', () => {
  it('a constant share gives identical bear/base/moon and price = share × total / supply', () => {
    const universe = {
      A: candlesFromCloses('A', [2, 3, 4], { supply: 50 }),
      B: candlesFromCloses('B', [6, 9, 12], { supply: 50 }),
    }
    const p = computePricePrediction(universe, 'A')!
    expect(p.shares.bear).toBeCloseTo(0.25, 15)
    expect(p.shares.base).toBeCloseTo(0.25, 15)
    expect(p.shares.moon).toBeCloseTo(0.25, 15)
    expect(p.circulatingSupply).toBeCloseTo(50, 12)
    expect(p.currentPrice).toBe(4)
    expect(p.currentShare).toBeCloseTo(0.25, 15)
    expect(p.currentUniverseMarketCap).toBe(800)
    expect(p.scenarios.map((s) => s.totalMarketCap)).toEqual([...DEFAULT_MARKET_SCENARIOS])
    const s16 = p.scenarios[1]!
    expect(s16.base.marketCap).toBeCloseTo(4e12, 0)
    expect(s16.base.price).toBeCloseTo(4e12 / 50, 3)
    expect(s16.base.upside).toBeCloseTo(4e12 / 50 / 4 - 1, 9)
  })

  it('bear/base/moon are the 10th/50th/90th percentiles of the share history', () => {
    // Universe total is 1000 every day; A's cap is 10k for k = 1..11 → shares 0.01..0.11, close fixed at 1.
    const caps = Array.from({ length: 11 }, (_, k) => 10 * (k + 1))
    const universe = {
      A: candlesFromCloses('A', Array(11).fill(1), { marketCaps: caps }),
      B: candlesFromCloses('B', Array(11).fill(1), { marketCaps: caps.map((c) => 1000 - c) }),
    }
    const p = computePricePrediction(universe, 'A')!
    // Type-7 on 11 sorted values: p × 10 lands on an index exactly.
    expect(p.shares.bear).toBeCloseTo(0.02, 15)
    expect(p.shares.base).toBeCloseTo(0.06, 15)
    expect(p.shares.moon).toBeCloseTo(0.1, 15)
    expect(p.circulatingSupply).toBe(110)
    expect(p.scenarios[0]!.moon.price).toBeCloseTo((0.1 * 8e12) / 110, 0)
    expect(p.observations).toBe(11)
  })

  it('universeMarketShare scales implied caps and prices linearly', () => {
    const universe = {
      A: candlesFromCloses('A', closesFromReturns(randomReturns(100, 1)), { supply: 10 }),
      B: candlesFromCloses('B', closesFromReturns(randomReturns(100, 2)), { supply: 20 }),
    }
    const full = computePricePrediction(universe, 'A')!
    const part = computePricePrediction(universe, 'A', { universeMarketShare: 0.8 })!
    part.scenarios.forEach((s, i) => {
      expect(s.base.price / full.scenarios[i]!.base.price).toBeCloseTo(0.8, 12)
      expect(s.moon.marketCap / full.scenarios[i]!.moon.marketCap).toBeCloseTo(0.8, 12)
    })
    expect(part.shares).toEqual(full.shares)
  })

  it('custom scenarios, endDate and history length', () => {
    const universe = {
      A: candlesFromCloses('A', closesFromReturns(randomReturns(100, 3)), { supply: 10 }),
      B: candlesFromCloses('B', closesFromReturns(randomReturns(100, 4)), { supply: 20 }),
    }
    const p = computePricePrediction(universe, 'A', { scenarios: [1e12], endDate: '2024-03-01', days: 30 })!
    expect(p.asOf).toBe('2024-03-01')
    expect(p.historyStart).toBe('2024-01-31')
    expect(p.observations).toBe(31)
    expect(p.scenarios).toHaveLength(1)
    expect(p.currentPrice).toBe(universe.A.find((c) => c.time === '2024-03-01')!.close)
  })
})

describe('an asset whose market cap estimate stops before its prices do (GMX, SUSHI)', () => {
  // A: supply 10 with a cap for 11 days (2024-01-01 … 01-11), then 10 more days of prices without a cap, ending at
  // half the price. B keeps its cap throughout.
  const closes = [...Array(11).fill(4), ...Array(10).fill(2)]
  const universe = {
    A: candlesFromCloses('A', closes, { marketCaps: closes.map((c, i) => (i <= 10 ? c * 10 : null)) }),
    B: candlesFromCloses('B', Array(21).fill(6), { supply: 20 }),
  }
  const p = computePricePrediction(universe, 'A')!

  it('is dated and priced on the last bar, with the supply dated where the cap stops', () => {
    expect(p.asOf).toBe('2024-01-21')
    expect(p.currentPrice).toBe(2)
    expect(p.supplyDate).toBe('2024-01-11')
    expect(p.circulatingSupply).toBe(10)
    expect(p.currentMarketCap).toBeNull()
    expect(p.currentShare).toBeNull()
    expect(p.currentUniverseMarketCap).toBe(120)
    expect(p.observations).toBe(11)
  })

  it('measures every upside against the current close, not the close of the last cap', () => {
    // Share 40 / (40 + 120) = 0.25 on every capped day.
    const s8 = p.scenarios[0]!
    expect(s8.base.price).toBeCloseTo((0.25 * 8e12) / 10, 0)
    expect(s8.base.upside).toBeCloseTo(s8.base.price / 2 - 1, 9)
  })

  it('an endDate inside the capped stretch behaves as before: supplyDate = asOf', () => {
    const past = computePricePrediction(universe, 'A', { endDate: '2024-01-05' })!
    expect(past.asOf).toBe('2024-01-05')
    expect(past.supplyDate).toBe('2024-01-05')
    expect(past.currentMarketCap).toBe(40)
    expect(past.currentShare).toBeCloseTo(0.25, 15)
  })
})

describe('invariants and edge cases', () => {
  it('shares are in (0, 1], bear <= base <= moon and prices follow', () => {
    const universe = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `A${i}`,
        candlesFromCloses(`A${i}`, closesFromReturns(randomReturns(200, 10 + i, 0.08)), { supply: 1 + i }),
      ]),
    )
    for (const symbol of Object.keys(universe)) {
      const p = computePricePrediction(universe, symbol)!
      expect(p.shares.bear).toBeGreaterThan(0)
      expect(p.shares.moon).toBeLessThanOrEqual(1)
      expect(p.shares.bear).toBeLessThanOrEqual(p.shares.base)
      expect(p.shares.base).toBeLessThanOrEqual(p.shares.moon)
      for (const s of p.scenarios) {
        expect(s.bear.price).toBeLessThanOrEqual(s.base.price)
        expect(s.base.price).toBeLessThanOrEqual(s.moon.price)
      }
    }
    const history = marketCapShareHistory(universe, 'A0')
    const sums = history.map((h) =>
      Object.keys(universe).reduce(
        (acc, s) => acc + marketCapShareHistory(universe, s).find((x) => x.time === h.time)!.share,
        0,
      ),
    )
    for (const s of sums.slice(0, 5)) expect(s).toBeCloseTo(1, 12)
  })

  it('is null without a market cap and rejects a bad universeMarketShare', () => {
    expect(computePricePrediction({ A: candlesFromCloses('A', [1, 2]) }, 'A')).toBeNull()
    expect(computePricePrediction({}, 'A')).toBeNull()
    const universe = { A: candlesFromCloses('A', [1, 2], { supply: 1 }) }
    expect(() => computePricePrediction(universe, 'A', { universeMarketShare: 0 })).toThrow(RangeError)
    expect(() => computePricePrediction(universe, 'A', { universeMarketShare: 1.5 })).toThrow(RangeError)
    expect(computePricePrediction(universe, 'A')!.shares.base).toBe(1)
  })
})
