/**
 * The technical endpoints (signals, grades, sentiment, levels, moonshots) against their own examples, served free
 * (no devnet), on the deterministic sample (60 daily bars, no hourly bars) and, when ../shared/data exists, on the
 * real dataset: ok → 200 with schema-valid items, bad parameters → 400 naming them, unknown symbols → 404, plus
 * range invariants.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hourlyTradingSignalsEndpoint } from '../../src/catalog/endpoints/hourly-trading-signals'
import { investorGradesEndpoint } from '../../src/catalog/endpoints/investor-grades'
import { marketSentimentEndpoint } from '../../src/catalog/endpoints/market-sentiment'
import { moonshotTokensEndpoint } from '../../src/catalog/endpoints/moonshot-tokens'
import { resistanceSupportEndpoint } from '../../src/catalog/endpoints/resistance-support'
import { traderGradesEndpoint } from '../../src/catalog/endpoints/trader-grades'
import { tradingSignalsEndpoint } from '../../src/catalog/endpoints/trading-signals'
import type { Endpoint } from '../../src/catalog/types'
import { importOhlcvCsv, importTokensCsv } from '../../src/market-data/csv-import'
import { createTestContext } from '../helpers/context'

/** Registers the test only when the endpoint has that example (an endpoint without a symbol has no 404 case). */

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data')
const REAL = existsSync(path.join(SHARED, 'daily_ohlcv.csv')) && existsSync(path.join(SHARED, 'tokens.csv'))

const technical: readonly Endpoint[] = [
  tradingSignalsEndpoint,
  traderGradesEndpoint,
  investorGradesEndpoint,
  marketSentimentEndpoint,
  hourlyTradingSignalsEndpoint,
  resistanceSupportEndpoint,
  moonshotTokensEndpoint,
]
const free = technical.map((e) => ({ ...e, tier: 'free' as const }))

type Ctx = Awaited<ReturnType<typeof createTestContext>>
type Body = {
  success: boolean
  message: string
  data: Record<string, unknown>[]
  parameter?: string
  meta?: Record<string, unknown>
}

const get = async (ctx: Ctx, p: string, query: Record<string, string>) => {
  const res = await ctx.app.request(`http://localhost${p}?${new URLSearchParams(query)}`)
  return { status: res.status, body: (await res.json()) as Body }
}

const datasets = [{ name: 'sample', real: false }, ...(REAL ? [{ name: 'real', real: true }] : [])]

describe.each(datasets)('technical endpoints on the $name data', ({ real }) => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      seed: !real,
      endpoints: free,
      env: { LOG_LEVEL: 'silent' },
    })
    if (real) {
      await importTokensCsv(ctx.services.market, path.join(SHARED, 'tokens.csv'))
      await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'daily_ohlcv.csv'))
      if (existsSync(path.join(SHARED, 'hourly_ohlcv.csv')))
        await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'hourly_ohlcv.csv'))
    }
  }, 120_000)
  afterAll(() => ctx?.close())

  describe.each(technical.map((e) => [e.path, e] as const))('%s', (_, endpoint) => {
    it('answers its ok example with schema-valid items', async () => {
      const { status, body } = await get(ctx, endpoint.path, endpoint.examples.ok)
      expect(status, JSON.stringify(body)).toBe(200)
      expect(body.success).toBe(true)
      for (const item of body.data) endpoint.output.parse(item)
      // Empty data is only fine with a message saying why.
      if (body.data.length === 0) expect(body.message).not.toBe('ok')
    })

    it('refuses its bad-parameter example naming the parameter', async () => {
      const bad = endpoint.examples.badParameter!
      const { status, body } = await get(ctx, endpoint.path, bad.query)
      expect(status).toBe(400)
      expect(body.parameter).toBe(bad.parameter)
    })

    it.runIf(endpoint.examples.unknownSymbol)('answers 404 for an unknown symbol', async () => {
      const { status, body } = await get(ctx, endpoint.path, endpoint.examples.unknownSymbol!)
      expect(status).toBe(404)
      expect(body.parameter).toBe('symbol')
    })
  })

  it('trading signals: signal in {-1,0,1}, history rows end at the latest signal', async () => {
    const { body } = await get(ctx, '/v1/trading-signals', {})
    expect(body.data.length).toBeGreaterThanOrEqual(3)
    for (const r of body.data) {
      expect([-1, 0, 1]).toContain(r.TRADING_SIGNAL)
      expect((r.SIGNAL_SINCE as string) <= (r.DATE as string)).toBe(true)
    }
    const btc = body.data.find((r) => r.TOKEN_SYMBOL === 'BTC')!
    const hist = await get(ctx, '/v1/trading-signals', { symbol: 'BTC', startDate: '2024-01-01', limit: '5' })
    expect(hist.status).toBe(200)
    expect(hist.body.data).toHaveLength(5)
    const last = hist.body.data[hist.body.data.length - 1]!
    expect(last).toEqual(btc)
    const filtered = await get(ctx, '/v1/trading-signals', { signal: '1' })
    for (const r of filtered.body.data) expect(r.TRADING_SIGNAL).toBe(1)
  })

  it('trader grades: 0–100 and labels', async () => {
    const { body } = await get(ctx, '/v1/trader-grades', {})
    expect(body.data.length).toBeGreaterThanOrEqual(3)
    for (const r of body.data) {
      for (const k of ['TRADER_GRADE', 'TECHNICAL_GRADE', 'QUANT_GRADE']) {
        expect(r[k]).toBeGreaterThanOrEqual(0)
        expect(r[k]).toBeLessThanOrEqual(100)
      }
    }
    // No symbol: best first.
    const grades = body.data.map((r) => r.TRADER_GRADE as number)
    expect([...grades].sort((a, b) => b - a)).toEqual(grades)
  })

  it('investor grades: 0–100, or empty with a message on short data', async () => {
    const { status, body } = await get(ctx, '/v1/investor-grades', {})
    expect(status).toBe(200)
    if (!real) {
      expect(body.data).toEqual([])
      expect(body.message).toMatch(/90 days/)
      return
    }
    expect(body.data.length).toBeGreaterThan(10)
    for (const r of body.data) {
      expect(r.INVESTOR_GRADE).toBeGreaterThanOrEqual(0)
      expect(r.INVESTOR_GRADE).toBeLessThanOrEqual(100)
    }
  })

  it('market sentiment: latest and history within 0–100', async () => {
    const latest = await get(ctx, '/v1/market-sentiment', {})
    expect(latest.body.data).toHaveLength(1)
    const hist = await get(ctx, '/v1/market-sentiment', { startDate: '2024-01-01', limit: '100' })
    expect(hist.body.data.length).toBeGreaterThan(0)
    for (const r of hist.body.data) {
      expect(r.SENTIMENT_SCORE).toBeGreaterThanOrEqual(0)
      expect(r.SENTIMENT_SCORE).toBeLessThanOrEqual(100)
    }
    expect(hist.body.data[hist.body.data.length - 1]).toEqual(latest.body.data[0])
  })

  it('hourly signals: rows when hourly bars exist, else a message', async () => {
    const { status, body } = await get(ctx, '/v1/hourly-trading-signals', { symbol: 'BTC', limit: '10' })
    expect(status).toBe(200)
    if (!real) {
      expect(body.data).toEqual([])
      expect(body.message).toMatch(/no hourly data for BTC/)
      return
    }
    expect(body.data).toHaveLength(10)
    for (const r of body.data) {
      expect([-1, 0, 1]).toContain(r.SIGNAL)
      expect(r.TIMESTAMP).toMatch(/T\d{2}:00:00Z$/)
    }
  })

  it('levels: typed against the last close, nearest first', async () => {
    const { body } = await get(ctx, '/v1/resistance-support', { symbol: 'BTC' })
    if (!real && body.data.length === 0) {
      // The sample is a smooth sine walk: often no 5-bar fractal pivot at all.
      expect(body.message).toMatch(/no swing pivot found for BTC/)
      return
    }
    const row = body.data[0] as { CLOSE: number; LEVELS: { PRICE: number; TYPE: string }[] }
    expect(row.LEVELS.length).toBeGreaterThan(0)
    let prev = 0
    for (const l of row.LEVELS) {
      expect(l.TYPE).toBe(l.PRICE >= row.CLOSE ? 'resistance' : 'support')
      const dist = Math.abs(l.PRICE - row.CLOSE)
      expect(dist).toBeGreaterThanOrEqual(prev)
      prev = dist
    }
  })

  it('moonshots: past picks have exits; second call is served from the memo', async () => {
    const t0 = performance.now()
    const past = await get(ctx, '/v1/moonshot-tokens', { past: 'true', limit: '100' })
    expect(past.status).toBe(200)
    for (const r of past.body.data) {
      moonshotTokensEndpoint.output.parse(r)
      expect(r.EXIT_DATE).not.toBeNull()
      expect(r.STATUS).toBe('past')
    }
    if (real) expect(past.body.data.length).toBeGreaterThan(0)
    const t1 = performance.now()
    const again = await get(ctx, '/v1/moonshot-tokens', { past: 'true', limit: '5', page: '2' })
    expect(again.status).toBe(200)
    expect(performance.now() - t1).toBeLessThan(Math.max(50, t1 - t0))
  })
})
