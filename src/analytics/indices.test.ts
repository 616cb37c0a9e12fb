import { describe, expect, it } from 'vitest'
import { candlesFromCloses, closesFromReturns, randomReturns } from '../../test/helpers/analytics-builders'
import type { Candle } from '../lib/candle'
import { computeIndex, computeIndices, defaultIndexDefinitions, type IndexDefinition } from './indices'
import { addDays, periodReturn } from './returns'
import type { TokenMeta } from './token-meta'

const ALL: IndexDefinition = { id: 'all', name: 'All', kind: 'top', size: 1000 }

/** Random universe with constant supplies, so cap-weighted level = 1000 × Σcap_t / Σcap_0 between membership changes. */
function randomUniverse(n: number, days: number, start = '2024-01-10'): Record<string, Candle[]> {
  const out: Record<string, Candle[]> = {}
  for (let i = 0; i < n; i++) {
    const symbol = i === 0 ? 'BTC' : `T${i}`
    const closes = closesFromReturns(randomReturns(days, 100 + i, 0.06), 10 + i)
    out[symbol] = candlesFromCloses(symbol, closes, { start, supply: 1e6 * (n - i) })
  }
  return out
}

const tokensFor = (universe: Record<string, Candle[]>, categoryOf: (i: number) => string): TokenMeta[] =>
  Object.keys(universe).map((symbol, i) => ({ symbol, name: `${symbol} coin`, category: categoryOf(i) }))

describe('computeIndex: levels', () => {
  it('a single-asset index tracks its price from 1000', () => {
    const candles = candlesFromCloses('A', closesFromReturns(randomReturns(120, 1)), { supply: 5 })
    const index = computeIndex(ALL, { A: candles }, [])!
    expect(index.levels).toHaveLength(candles.length)
    index.levels.forEach((l, i) => {
      expect(l.level).toBeCloseTo((1000 * candles[i]!.close) / candles[0]!.close, 9)
    })
  })

  it('hand-computed two-asset example with a month-end rebalance', () => {
    const dates = { start: '2024-01-30' }
    const universe = {
      A: candlesFromCloses('A', [10, 11, 12, 12], { ...dates, supply: 30 }),
      B: candlesFromCloses('B', [10, 8, 8, 10], { ...dates, supply: 10 }),
    }
    const index = computeIndex(ALL, universe, [])!
    expect(index.levels.map((l) => l.time)).toEqual(['2024-01-30', '2024-01-31', '2024-02-01', '2024-02-02'])
    // 1000 × (0.75 × 1.1 + 0.25 × 0.8) = 1025; Feb weights 330/410, 80/410 → 1025 × 440/410 = 1100; then 1150.
    expect(index.levels.map((l) => l.level)).toEqual(
      [1000, 1025, 1100, 1150].map((v) => expect.closeTo(v, 9)),
    )
    expect(index.rebalances.map((r) => r.date)).toEqual(['2024-01-30', '2024-01-31'])
    expect(index.lastRebalance).toBe('2024-01-31')
  })

  it('with constant supplies the level equals 1000 × total cap / initial total cap', () => {
    const universe = randomUniverse(12, 200)
    const index = computeIndex(ALL, universe, [])!
    const total = (date: string) =>
      Object.values(universe).reduce((acc, c) => acc + (c.find((x) => x.time === date)?.marketCap ?? 0), 0)
    const base = total(index.inceptionDate)
    for (const l of index.levels) expect(l.level / ((1000 * total(l.time)) / base)).toBeCloseTo(1, 10)
    // Jan 10 inception + month ends Jan..Jul.
    expect(index.rebalances).toHaveLength(7)
  })
})

describe('computeIndex: rebalancing rules', () => {
  it('weights come from the previous close (month end), not the first day of the month', () => {
    const start = '2024-01-30'
    const universe = {
      A: candlesFromCloses('A', [10, 10, 10, 10], { start, supply: 10 }),
      // B's cap is restated 10× on Feb 1 (supply change); Feb weights must still use the Jan 31 caps.
      B: candlesFromCloses('B', [10, 10, 10, 10], { start, marketCaps: [100, 100, 1000, 1000] }),
    }
    const index = computeIndex(ALL, universe, [])!
    expect(index.holdings.map((h) => h.rebalanceWeight)).toEqual([0.5, 0.5])
  })

  it('excludes assets without a market cap on the rebalance close and adds them once they have one', () => {
    const start = '2024-01-30'
    const n = 35 // through 2024-03-04
    const universe = {
      A: candlesFromCloses('A', Array(n).fill(10), { start, supply: 10 }),
      C: candlesFromCloses('C', Array(n).fill(10), {
        start,
        marketCaps: Array.from({ length: n }, (_, i) => (addDays(start, i) === '2024-01-31' ? null : 100)),
      }),
    }
    const index = computeIndex(ALL, universe, [])!
    expect(index.rebalances).toEqual([
      { date: '2024-01-30', constituents: 2 },
      { date: '2024-01-31', constituents: 1 },
      { date: '2024-02-29', constituents: 2 },
    ])
  })

  it('top-N keeps the N largest caps at each rebalance', () => {
    const start = '2024-01-30'
    const universe = {
      BIG: candlesFromCloses('BIG', [10, 10, 10], { start, supply: 100 }),
      MID: candlesFromCloses('MID', [10, 10, 10], { start, marketCaps: [500, 300, 300] }),
      SMALL: candlesFromCloses('SMALL', [10, 10, 10], { start, marketCaps: [400, 600, 600] }),
    }
    const top2: IndexDefinition = { id: 'top2', name: 'Top 2', kind: 'top', size: 2 }
    const index = computeIndex(top2, universe, [])!
    expect(index.holdings.map((h) => h.symbol)).toEqual(['BIG', 'SMALL'])
    expect(index.holdings.map((h) => h.rebalanceWeight)).toEqual([1000 / 1600, 600 / 1600])
  })

  it('carries a missing close forward', () => {
    const start = '2024-01-10'
    const a = candlesFromCloses('A', [10, 20, 20], { start, supply: 1 })
    const b = candlesFromCloses('B', [10, 10, 30], { start, supply: 1 }).filter(
      (c) => c.time !== '2024-01-11',
    )
    const index = computeIndex(ALL, { A: a, B: b }, [])!
    expect(index.levels.map((l) => l.level)).toEqual([1000, 1500, 2500])
  })

  it('a holding that stopped trading keeps its carried close with that close’s date, and no cap from another day', () => {
    const start = '2024-01-10'
    const a = candlesFromCloses('A', [10, 20, 30], { start, supply: 1 })
    const b = candlesFromCloses('B', [10, 15], { start, supply: 1 })
    const index = computeIndex(ALL, { A: a, B: b }, [])!
    expect(index.endDate).toBe('2024-01-12')
    const held = Object.fromEntries(index.holdings.map((h) => [h.symbol, h]))
    expect(held.A).toMatchObject({ price: 30, priceDate: '2024-01-12', marketCap: 30 })
    expect(held.B).toMatchObject({ price: 15, priceDate: '2024-01-11', marketCap: null })
  })

  it('a category index holds only that category', () => {
    const universe = randomUniverse(10, 60)
    const tokens = tokensFor(universe, (i) => (i % 2 === 0 ? 'Layer 1' : 'DeFi'))
    const index = computeIndex(
      { id: 'defi', name: 'DeFi', kind: 'category', category: 'DeFi' },
      universe,
      tokens,
    )!
    expect(index.holdings.every((h) => h.category === 'DeFi')).toBe(true)
    expect(index.holdings).toHaveLength(5)
    expect(index.holdings[0]!.name).toMatch(/ coin$/)
  })

  it('is null when no asset ever has a cap', () => {
    expect(computeIndex(ALL, { A: candlesFromCloses('A', [1, 2, 3]) }, [])).toBeNull()
  })
})

describe('holdings and performance', () => {
  const universe = randomUniverse(30, 500)
  const tokens = tokensFor(universe, (i) => ['Layer 1', 'DeFi', 'Meme'][i % 3]!)

  it('weights sum to 1 for every index (rebalance and drifted)', () => {
    const indices = computeIndices(universe, tokens)
    expect(indices.map((i) => i.id)).toEqual([
      'top10',
      'top50',
      'sector-defi',
      'sector-layer-1',
      'sector-meme',
    ])
    for (const index of indices) {
      const sum = (k: 'weight' | 'rebalanceWeight') => index.holdings.reduce((a, h) => a + h[k], 0)
      expect(Math.abs(sum('weight') - 1)).toBeLessThan(1e-9)
      expect(Math.abs(sum('rebalanceWeight') - 1)).toBeLessThan(1e-9)
      for (const h of index.holdings) expect(h.weight).toBeGreaterThan(0)
    }
    expect(indices[0]!.holdings).toHaveLength(10)
    expect(indices[1]!.holdings).toHaveLength(30)
  })

  it('drifted weight = rebalance weight × price growth, renormalised', () => {
    const index = computeIndices(universe, tokens)[0]!
    const growth = (symbol: string) => {
      const c = universe[symbol]!
      const rebalanceClose = c.find((x) => x.time === index.lastRebalance)!.close
      return c.at(-1)!.close / rebalanceClose
    }
    const raw = index.holdings.map((h) => h.rebalanceWeight * growth(h.symbol))
    const total = raw.reduce((a, b) => a + b, 0)
    index.holdings.forEach((h, i) => {
      expect(h.weight).toBeCloseTo(raw[i]! / total, 12)
    })
    for (const h of index.holdings) {
      expect(h.price).toBe(universe[h.symbol]!.at(-1)!.close)
      expect(h.marketCap).toBe(universe[h.symbol]!.at(-1)!.marketCap)
    }
  })

  it('compares period returns with BTC; an index holding only BTC has zero excess return', () => {
    const btcOnly: IndexDefinition = { id: 'solo', name: 'Solo', kind: 'category', category: 'Solo' }
    const index = computeIndex(btcOnly, universe, [{ symbol: 'BTC', name: 'Bitcoin', category: 'Solo' }])!
    expect(index.holdings.map((h) => h.symbol)).toEqual(['BTC'])
    expect(index.performance.map((p) => p.period)).toEqual(['7d', '30d', '90d', '365d', 'inception'])
    for (const p of index.performance) {
      expect(p.indexReturn).toBeCloseTo(p.benchmarkReturn!, 10)
      expect(p.excessReturn).toBeCloseTo(0, 10)
    }
    expect(index.performance[1]!.benchmarkReturn).toBeCloseTo(periodReturn(universe.BTC!, 30)!, 14)
  })

  it('periods longer than the index history are null', () => {
    const short = randomUniverse(3, 100)
    const index = computeIndex(ALL, short, [])!
    const byPeriod = Object.fromEntries(index.performance.map((p) => [p.period, p]))
    expect(byPeriod['365d']!.indexReturn).toBeNull()
    expect(byPeriod['90d']!.indexReturn).not.toBeNull()
    expect(byPeriod.inception!.startDate).toBe(index.inceptionDate)
  })

  it('startDate and endDate bound the levels', () => {
    const index = computeIndex(ALL, universe, tokens, { startDate: '2024-03-15', endDate: '2024-06-30' })!
    expect(index.inceptionDate).toBe('2024-03-15')
    expect(index.levels[0]!.level).toBe(1000)
    expect(index.endDate).toBe('2024-06-30')
  })
})

describe('defaultIndexDefinitions', () => {
  it('makes top10, top50 and one slugged index per category', () => {
    const defs = defaultIndexDefinitions([
      { symbol: 'A', name: 'A', category: 'Layer 1' },
      { symbol: 'B', name: 'B', category: 'Exchange token' },
      { symbol: 'C', name: 'C', category: 'Layer 1' },
    ])
    expect(defs.map((d) => d.id)).toEqual(['top10', 'top50', 'sector-exchange-token', 'sector-layer-1'])
  })
})
