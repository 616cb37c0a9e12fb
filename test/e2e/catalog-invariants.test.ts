/**
 * Invariants of the quant endpoints' answers on the real dataset (when ../shared/data exists), and the
 * too-little-history policy on sample data. Payment is not under test here (it is in catalog-endpoints), so the
 * catalog is served with every tier forced to free and no chain is needed.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import type { Endpoint } from '../../src/catalog/types'
import { importOhlcvCsv, importTokensCsv } from '../../src/market-data/csv-import'
import { createTestContext } from '../helpers/context'

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data')
const REAL = existsSync(path.join(SHARED, 'daily_ohlcv.csv')) && existsSync(path.join(SHARED, 'tokens.csv'))
// createServices wants an RPC URL; free endpoints never call it.
const NO_RPC = 'http://127.0.0.1:9'
const free: Endpoint[] = catalog.map((e) => ({ ...e, tier: 'free' }))

type Ctx = Awaited<ReturnType<typeof createTestContext>>
type Row = Record<string, unknown>
type Body = { success: boolean; message: string; data: Row[]; meta: Record<string, unknown> }

async function get(ctx: Ctx, pathAndQuery: string): Promise<Body> {
  const res = await ctx.app.request(`http://localhost${pathAndQuery}`)
  const body = (await res.json()) as Body
  expect(res.status, `${pathAndQuery}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200)
  return body
}

describe.runIf(REAL)('quant endpoint invariants on the real dataset', () => {
  let ctx: Ctx
  let symbols: string[]
  beforeAll(async () => {
    ctx = await createTestContext({
      rpcUrl: NO_RPC,
      seed: false,
      endpoints: free,
      env: { LOG_LEVEL: 'silent' },
    })
    await importTokensCsv(ctx.services.market, path.join(SHARED, 'tokens.csv'))
    await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'daily_ohlcv.csv'))
    symbols = [...(await ctx.services.market.allCandles('1d')).keys()]
  })
  afterAll(() => ctx?.close())

  it('correlation: each asset with itself is exactly 1, every |r| <= 1, sorted descending, symmetric', async () => {
    const byPair = new Map<string, number>()
    for (const symbol of symbols) {
      const { data } = await get(ctx, `/v1/correlation?symbol=${symbol}&days=365`)
      expect(data.length).toBeGreaterThan(1)
      const self = data.filter((r) => r.CORRELATED_TOKEN_SYMBOL === symbol)
      expect(self).toHaveLength(1)
      expect(self[0]!.CORRELATION).toBe(1)
      const values = data.map((r) => r.CORRELATION as number)
      for (const r of values) expect(Math.abs(r)).toBeLessThanOrEqual(1)
      expect(values).toEqual([...values].sort((a, b) => b - a))
      for (const r of data) byPair.set(`${symbol}|${r.CORRELATED_TOKEN_SYMBOL}`, r.CORRELATION as number)
    }
    // Same end date for assets that trade to the end, so r(a, b) = r(b, a) there.
    expect(byPair.get('ETH|BTC')).toBeCloseTo(byPair.get('BTC|ETH')!, 12)
  })

  it('a 365-day correlation of one asset against all others covers every asset with enough overlap', async () => {
    // Its speed is measured by `npm run bench`, not asserted here.
    const { data } = await get(ctx, '/v1/correlation?symbol=BTC&days=365&limit=100')
    expect(data.length).toBeGreaterThan(60)
    expect(data[0]).toMatchObject({ CORRELATION: 1 })
  })

  it('index holdings: both weight columns sum to 1 (1e-9) for every index', async () => {
    const { data: indices } = await get(ctx, '/v1/indices')
    expect(indices.map((i) => i.ID)).toEqual(expect.arrayContaining(['top10', 'top50', 'sector-layer-1']))
    for (const index of indices) {
      const { data } = await get(ctx, `/v1/indices-holdings?index=${index.ID}`)
      expect(data).toHaveLength(index.COINS as number)
      const sum = (key: string) => data.reduce((acc, h) => acc + (h[key] as number), 0)
      expect(Math.abs(sum('WEIGHT') - 1)).toBeLessThan(1e-9)
      expect(Math.abs(sum('REBALANCE_WEIGHT') - 1)).toBeLessThan(1e-9)
    }
    expect((await get(ctx, '/v1/indices-holdings?index=top10')).data).toHaveLength(10)
  })

  it('quantmetrics: drawdown in [-1, 0] and CVaR <= VaR for every asset, 365 days and all history', async () => {
    for (const days of ['365', 'all']) {
      const { data } = await get(ctx, `/v1/quantmetrics?symbol=${symbols.join(',')}&days=${days}`)
      expect(data).toHaveLength(symbols.length)
      for (const row of data) {
        expect(row.MAX_DRAWDOWN).toBeLessThanOrEqual(0)
        expect(row.MAX_DRAWDOWN).toBeGreaterThanOrEqual(-1)
        expect(row.DAILY_CONDITIONAL_VALUE_AT_RISK as number).toBeLessThanOrEqual(
          row.DAILY_VALUE_AT_RISK as number,
        )
        // Under a year of history (HYPE) the CAGR is the period return, not an annualised extrapolation.
        if (row.CAGR_ANNUALISED === false) expect(row.CAGR).toBe(row.TOTAL_RETURN)
      }
    }
  })

  it('quantmetrics over 2 days: CAGR is the 2-day return and CALMAR divides it by the drawdown', async () => {
    const { data } = await get(ctx, '/v1/quantmetrics?symbol=ETH&days=2')
    const row = data[0]!
    expect(row.OBSERVATIONS).toBe(2)
    expect(row.CAGR_ANNUALISED).toBe(false)
    expect(row.CAGR).toBe(row.TOTAL_RETURN)
    // Annualised, ETH's 2-day loss of 6.4% read as −99.9994% a year and a Calmar of −15.7.
    expect(row.CAGR as number).toBeGreaterThan(-0.2)
    expect(row.CALMAR as number).toBeCloseTo(
      (row.TOTAL_RETURN as number) / Math.abs(row.MAX_DRAWDOWN as number),
      12,
    )
  })

  it('market metrics: every day has a regime in the allowed set, and it exists once 200 days do', async () => {
    const rows: Row[] = []
    for (let page = 1; ; page++) {
      const { data } = await get(ctx, `/v1/market-metrics?limit=100&page=${page}`)
      if (data.length === 0) break
      rows.unshift(...data)
    }
    // Page 1 holds the newest days, so prepending pages keeps the whole series ascending.
    expect(rows.map((r) => r.DATE)).toEqual(rows.map((r) => r.DATE).sort())
    expect(rows.length).toBeGreaterThan(700)
    for (const row of rows) {
      expect([null, 'bull', 'bear', 'neutral']).toContain(row.REGIME)
      expect([null, 1, 0, -1]).toContain(row.MARKET_SIGNAL)
    }
    expect(rows.slice(200).every((r) => r.REGIME !== null)).toBe(true)
  })

  it('token report: TECHNICAL carries the latest trading signal and trader grade of the same day', async () => {
    const report = (await get(ctx, '/v1/token-report?symbol=ETH')).data[0] as Record<string, Row>
    const [signal] = (await get(ctx, '/v1/trading-signals?symbol=ETH')).data
    const [grade] = (await get(ctx, '/v1/trader-grades?symbol=ETH')).data
    expect(signal!.DATE).toBe(report.DATE)
    expect(grade!.DATE).toBe(report.DATE)
    expect(report.TECHNICAL).toMatchObject({
      TRADING_SIGNAL: signal!.TRADING_SIGNAL,
      LAST_SIGNAL_CHANGE: signal!.SIGNAL_SINCE,
    })
    expect(report.TECHNICAL!.TRADER_GRADE as number).toBeCloseTo(grade!.TRADER_GRADE as number, 2)
    expect(report.TECHNICAL!.SUMMARY).toMatch(/^ETH's latest trading signal is (bullish|neutral|bearish)/)
  })

  it.each([
    ['GMX', '2025-04-30'],
    ['SUSHI', '2026-02-28'],
  ])(
    '%s, whose market cap estimate stops on %s: report and prediction priced on the last close',
    async (symbol, supplyDate) => {
      const [last] = (await get(ctx, `/v1/price?symbol=${symbol}`)).data
      const report = (await get(ctx, `/v1/token-report?symbol=${symbol}`)).data[0] as Record<string, Row>
      const [prediction] = (await get(ctx, `/v1/price-prediction?symbol=${symbol}`)).data
      expect(report.DATE).toBe(last!.DATE)
      expect(report.OVERVIEW!.PRICE).toBe(last!.CURRENT_PRICE)
      expect(prediction).toMatchObject({
        DATE: last!.DATE,
        CURRENT_PRICE: last!.CURRENT_PRICE,
        CURRENT_MARKET_CAP: null,
        SUPPLY_DATE: supplyDate,
      })
      expect(report.SCENARIO).toMatchObject({ DATE: last!.DATE, SUPPLY_DATE: supplyDate })
      const price = last!.CURRENT_PRICE as number
      for (const c of report.SCENARIO!.BASE_CASE as Row[]) {
        expect(c.PREDICTED_ROI as number).toBeCloseTo((c.PREDICTED_PRICE as number) / price - 1, 12)
      }
      for (const s of prediction!.PRICE_PREDICTION as Row[]) {
        expect(s.PREDICTED_ROI_BASE as number).toBeCloseTo((s.PREDICTED_PRICE_BASE as number) / price - 1, 12)
      }
      const today = `$${price < 1 ? price.toPrecision(4) : price.toFixed(2)} today.`
      expect(report.SCENARIO!.SUMMARY).toContain(`against ${today}`)
      expect(report.SCENARIO!.SUMMARY).toContain(`market cap estimate stops on ${supplyDate}`)
    },
  )

  it('top market caps: one date for every row; GMX and SUSHI, without a cap that day, named instead of ranked', async () => {
    const body = await get(ctx, '/v1/top-market-cap-tokens?top_k=100')
    expect(new Set(body.data.map((r) => r.DATE))).toEqual(new Set(['2026-03-18']))
    expect(body.data).toHaveLength(79)
    expect(body.meta.withoutMarketCap).toEqual(['GMX', 'SUSHI'])
    const sectorDefi = (await get(ctx, '/v1/indices?index=sector-defi')).data[0]!
    expect(sectorDefi).toMatchObject({ COINS: 18, MARKET_CAP_COINS: 17 })
  })

  it('price prediction: bear <= base <= moon in every scenario', async () => {
    const { data } = await get(ctx, `/v1/price-prediction?symbol=BTC,ETH,SOL,DOGE`)
    for (const row of data) {
      for (const s of row.PRICE_PREDICTION as Row[]) {
        expect(s.PREDICTED_PRICE_BEAR as number).toBeLessThanOrEqual(s.PREDICTED_PRICE_BASE as number)
        expect(s.PREDICTED_PRICE_BASE as number).toBeLessThanOrEqual(s.PREDICTED_PRICE_MOON as number)
      }
    }
  })
})

describe('assets with too little history: 200, left out of data, named in the message', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({ rpcUrl: NO_RPC, endpoints: free, env: { LOG_LEVEL: 'silent' } })
    await ctx.services.market.saveTokens([{ symbol: 'NEW', name: 'Newly Listed', category: 'DeFi' }])
    await ctx.services.market.saveCandles(
      '1d',
      [
        {
          symbol: 'NEW',
          time: '2026-03-18',
          open: 1,
          high: 1.1,
          low: 0.9,
          close: 1,
          volume: 1e6,
          marketCap: null,
        },
      ],
      'csv',
    )
  })
  afterAll(() => ctx?.close())

  it('correlation: empty data and a message', async () => {
    const body = await get(ctx, '/v1/correlation?symbol=NEW')
    expect(body.data).toEqual([])
    expect(body.message).toMatch(/not enough history for NEW/)
  })

  it('quantmetrics and price-prediction: the short asset is left out, the others answered', async () => {
    const quant = await get(ctx, '/v1/quantmetrics?symbol=BTC,NEW')
    expect(quant.data.map((r) => r.TOKEN_SYMBOL)).toEqual(['BTC'])
    expect(quant.message).toMatch(/not enough history for NEW/)
    expect(quant.meta.insufficientHistory).toEqual(['NEW'])
    const prediction = await get(ctx, '/v1/price-prediction?symbol=NEW')
    expect(prediction.data).toEqual([])
    expect(prediction.message).toMatch(/not enough history for NEW/)
  })

  it('token report: sections without history say so', async () => {
    const { data } = await get(ctx, '/v1/token-report?symbol=NEW')
    const report = data[0] as Record<string, Row>
    expect(report.RISK!.METRICS).toBeNull()
    expect(report.RISK!.SUMMARY).toMatch(/not enough history/)
    expect(report.SCENARIO!.BASE_CASE).toEqual([])
    // One bar is far inside the 50-bar warm-up of the signal and the grade.
    expect(report.TECHNICAL).toBeNull()
  })

  it('a sector index of a symbol without a cap does not exist; asking for it is a 404 naming the parameter', async () => {
    const res = await ctx.app.request('http://localhost/v1/indices-holdings?index=sector-defi')
    expect(res.status).toBe(404)
    expect(((await res.json()) as { parameter: string }).parameter).toBe('index')
  })
})
