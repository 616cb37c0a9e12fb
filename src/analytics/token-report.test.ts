import { describe, expect, it } from 'vitest'
import { candlesFromCloses, closesFromReturns, randomReturns } from '../../test/helpers/analytics-builders'
import type { Candle } from '../lib/candle'
import { buildReturnIndex, correlateAsset } from './correlation'
import { computePricePrediction } from './price-prediction'
import { computeQuantMetrics } from './quant-metrics'
import { periodReturn } from './returns'
import type { TokenMeta } from './token-meta'
import { assembleTokenReport, buildTokenReport, marketCapRank } from './token-report'

function universe(): { candles: Record<string, Candle[]>; tokens: TokenMeta[] } {
  const btcReturns = randomReturns(500, 1, 0.04)
  const candles: Record<string, Candle[]> = {
    BTC: candlesFromCloses('BTC', closesFromReturns(btcReturns, 40_000), { supply: 19.8e6 }),
    ETH: candlesFromCloses(
      'ETH',
      closesFromReturns(
        randomReturns(500, 2, 0.03).map((r, i) => r + 1.2 * btcReturns[i]!),
        2_500,
      ),
      { supply: 120e6 },
    ),
  }
  for (let i = 0; i < 8; i++) {
    candles[`T${i}`] = candlesFromCloses(
      `T${i}`,
      closesFromReturns(randomReturns(500, 10 + i, 0.06), 1 + i),
      {
        supply: 1e9,
      },
    )
  }
  const tokens = Object.keys(candles).map((symbol) => ({
    symbol,
    name: symbol === 'BTC' ? 'Bitcoin' : symbol === 'ETH' ? 'Ethereum' : `Token ${symbol}`,
    category: symbol === 'BTC' || symbol === 'ETH' ? 'Layer 1' : 'DeFi',
  }))
  return { candles, tokens }
}

describe('buildTokenReport', () => {
  const { candles, tokens } = universe()
  const report = buildTokenReport(candles, tokens, 'ETH')!

  it('carries the same numbers as the underlying modules', () => {
    expect(report.asOf).toBe(candles.ETH!.at(-1)!.time)
    expect(report.overview.price).toBe(candles.ETH!.at(-1)!.close)
    expect(report.overview.rank).toEqual({ rank: 2, of: 10 })
    expect(report.performance.returns).toEqual({
      '7d': periodReturn(candles.ETH!, 7),
      '30d': periodReturn(candles.ETH!, 30),
      '90d': periodReturn(candles.ETH!, 90),
      '365d': periodReturn(candles.ETH!, 365),
    })
    expect(report.risk.metrics).toEqual(computeQuantMetrics(candles.ETH!, { benchmark: candles.BTC }))
    const prediction = computePricePrediction(candles, 'ETH')!
    expect(report.scenario.baseShare).toBe(prediction.shares.base)
    expect(report.scenario.baseCase.map((c) => c.price)).toEqual(
      prediction.scenarios.map((s) => s.base.price),
    )
  })

  it('lists the top 3 most and least correlated other assets', () => {
    const all = correlateAsset(buildReturnIndex(candles), 'ETH', { days: 90 })!.correlations.filter(
      (c) => c.symbol !== 'ETH',
    )
    expect(report.correlation.mostCorrelated).toEqual(all.slice(0, 3))
    expect(report.correlation.leastCorrelated).toEqual(all.slice(-3).reverse())
    expect(report.correlation.mostCorrelated[0]!.symbol).toBe('BTC')
  })

  it('writes a sentence per section and a joined summary', () => {
    expect(report.overview.summary).toMatch(
      /^Ethereum \(ETH\) is a Layer 1 asset trading at \$[\d,.]+ on \d{4}-\d{2}-\d{2}/,
    )
    expect(report.overview.summary).toContain('ranking #2 of 10 tracked assets')
    expect(report.performance.summary).toMatch(
      /^ETH returned [+-]?\d+\.\d% over 7 days, .* and [+-]?\d+\.\d% over 365 days\.$/,
    )
    expect(report.risk.summary).toContain('annualised volatility of')
    expect(report.risk.summary).toContain('beta to BTC')
    expect(report.correlation.summary).toMatch(
      /^Over 90 days ETH's daily returns moved most closely with BTC \(/,
    )
    expect(report.scenario.summary).toContain('at a $8.00T market')
    expect(report.summary).toBe(
      [
        report.overview.summary,
        report.performance.summary,
        report.risk.summary,
        report.scenario.summary,
      ].join(' '),
    )
    expect(report.technical).toBeNull()
  })

  it('adds technical inputs when given', () => {
    const withTech = buildTokenReport(candles, tokens, 'ETH', {
      technical: { signal: { signal: 1, lastChange: '2025-04-01' }, traderGrade: 71.6 },
    })!
    expect(withTech.technical).toEqual({
      signal: 1,
      lastChange: '2025-04-01',
      traderGrade: 71.6,
      summary:
        "ETH's latest trading signal is bullish, last changed on 2025-04-01. Its trader grade is 72/100.",
    })
  })

  it('is pure: same output twice, inputs untouched', () => {
    const before = JSON.stringify(candles)
    const again = buildTokenReport(candles, tokens, 'ETH')
    expect(again).toEqual(report)
    expect(JSON.stringify(candles)).toBe(before)
  })

  it('honours endDate and returns null for unknown symbols', () => {
    const past = buildTokenReport(candles, tokens, 'T3', { endDate: '2024-06-30' })!
    expect(past.asOf).toBe('2024-06-30')
    expect(past.risk.metrics!.endDate).toBe('2024-06-30')
    expect(buildTokenReport(candles, tokens, 'NOPE')).toBeNull()
    expect(buildTokenReport({ X: candles.T0! }, tokens, 'X')).toBeNull()
  })
})

describe('assembleTokenReport with sparse inputs', () => {
  const candles = candlesFromCloses('NEW', [2, 2.5], { start: '2025-03-01' })
  const report = assembleTokenReport({
    meta: { symbol: 'NEW', name: 'Newcoin', category: 'Meme' },
    candles,
    quant: null,
    correlation: null,
    prediction: null,
  })

  it('degrades to explanatory sentences', () => {
    expect(report.overview.summary).toBe(
      'Newcoin (NEW) is a Meme asset trading at $2.50 on 2025-03-02 with no market cap estimate.',
    )
    expect(report.performance.summary).toBe('NEW has too little price history for period returns.')
    expect(report.risk.summary).toBe("There is not enough history to measure NEW's risk.")
    expect(report.correlation.summary).toBe(
      'Not enough overlapping history to compare NEW with other assets.',
    )
    expect(report.scenario).toEqual({
      date: null,
      supplyDate: null,
      baseShare: null,
      baseCase: [],
      summary: 'No market cap history to build scenarios for NEW.',
    })
  })

  it('throws when there is no candle to report on', () => {
    expect(() =>
      assembleTokenReport({
        meta: { symbol: 'NEW', name: 'Newcoin', category: 'Meme' },
        candles,
        quant: null,
        correlation: null,
        prediction: null,
        endDate: '2020-01-01',
      }),
    ).toThrow(RangeError)
  })
})

describe('a token whose market cap estimate stops before its prices do (GMX, SUSHI)', () => {
  // X: a cap for its first 300 days, then 100 days of prices only, ending at half its old price.
  const closes = [...Array(300).fill(4), ...Array(100).fill(2)]
  const candles: Record<string, Candle[]> = {
    BTC: candlesFromCloses('BTC', closesFromReturns(randomReturns(399, 1, 0.04), 40_000), { supply: 19.8e6 }),
    ETH: candlesFromCloses('ETH', closesFromReturns(randomReturns(399, 2, 0.04), 2_500), { supply: 120e6 }),
    X: candlesFromCloses('X', closes, { marketCaps: closes.map((c, i) => (i < 300 ? c * 1e9 : null)) }),
  }
  const tokens = Object.keys(candles).map((symbol) => ({ symbol, name: symbol, category: 'DeFi' }))
  const report = buildTokenReport(candles, tokens, 'X')!

  it('prices the scenarios against the report-day close and dates the supply', () => {
    expect(report.asOf).toBe('2025-02-03')
    expect(report.overview.price).toBe(2)
    expect(report.scenario.date).toBe(report.asOf)
    expect(report.scenario.supplyDate).toBe('2024-10-26')
    for (const c of report.scenario.baseCase) expect(c.upside).toBeCloseTo(c.price / 2 - 1, 9)
    expect(report.scenario.summary).toContain('against $2.00 today.')
    expect(report.scenario.summary).toContain(
      "X's market cap estimate stops on 2024-10-26, so its share history and circulating supply end there.",
    )
  })

  it('has no market cap and no rank on the report day', () => {
    expect(report.overview.marketCap).toBeNull()
    expect(report.overview.rank).toBeNull()
    expect(report.overview.summary).toContain('trading at $2.00 on 2025-02-03 with no market cap estimate')
  })

  it('every dated section is dated on the report day', () => {
    expect(report.risk.metrics!.endDate).toBe(report.asOf)
    expect(report.correlation.date).toBe(report.asOf)
    expect(report.risk.summary).toMatch(/^Over 365 days X had/)
  })
})

describe('assembleTokenReport with parts of another date', () => {
  it('names the date of a section that is not the report day', () => {
    const { candles, tokens } = universe()
    const meta = tokens.find((t) => t.symbol === 'ETH')!
    const endDate = candles.ETH!.at(-1)!.time
    const earlier = '2025-01-31'
    const report = assembleTokenReport({
      meta,
      candles: candles.ETH!,
      endDate,
      quant: computeQuantMetrics(candles.ETH!, { endDate: earlier }),
      correlation: correlateAsset(buildReturnIndex(candles), 'ETH', { endDate: earlier }),
      prediction: computePricePrediction(candles, 'ETH', { endDate: earlier }),
    })
    expect(report.risk.summary).toMatch(/^Over 365 days to 2025-01-31 ETH had/)
    expect(report.correlation.summary).toMatch(/^Over 90 days to 2025-01-31 ETH's daily returns/)
    expect(report.scenario.summary).toMatch(/ on 2025-01-31\.$/)
    expect(report.scenario.date).toBe(earlier)
  })
})

describe('marketCapRank', () => {
  it('ranks only caps dated on the day: an asset whose data stopped earlier is not ranked by its old cap', () => {
    const candles = {
      A: candlesFromCloses('A', [1, 1], { supply: 10 }),
      B: candlesFromCloses('B', [1, 3], { supply: 5 }),
      STALE: candlesFromCloses('STALE', [100], { supply: 1e6 }),
    }
    expect(marketCapRank(candles, 'B', '2024-01-02')).toEqual({ rank: 1, of: 2 })
    expect(marketCapRank(candles, 'STALE', '2024-01-02')).toBeNull()
    expect(marketCapRank(candles, 'B', '2024-01-01')).toEqual({ rank: 3, of: 3 })
  })

  it('ranks by the last cap on or before the date', () => {
    const candles = {
      A: candlesFromCloses('A', [1, 1], { supply: 10 }),
      B: candlesFromCloses('B', [1, 3], { supply: 5 }),
      C: candlesFromCloses('C', [1, 1]),
    }
    expect(marketCapRank(candles, 'B', '2024-01-02')).toEqual({ rank: 1, of: 2 })
    expect(marketCapRank(candles, 'B', '2024-01-01')).toEqual({ rank: 2, of: 2 })
    expect(marketCapRank(candles, 'C', '2024-01-02')).toBeNull()
  })
})
