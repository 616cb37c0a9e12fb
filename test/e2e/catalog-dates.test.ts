/**
 * Endpoints over a universe whose dates differ: CAPLESS keeps trading after its market cap estimate stops (like
 * GMX and SUSHI in the real data) and STALE stops trading ten days before everyone else. Every answer must be as of
 * one date, or name the date of each part that is older. Payment is not under test here (catalog-endpoints covers
 * it), so every tier is forced to free and no chain is needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from '../../src/analytics/returns'
import { catalog } from '../../src/catalog'
import type { Endpoint } from '../../src/catalog/types'
import type { Candle } from '../../src/lib/candle'
import { createTestContext } from '../helpers/context'
import { barsFromCloses, randomWalk } from '../helpers/technical-builders'

const NO_RPC = 'http://127.0.0.1:9'
const free: Endpoint[] = catalog.map((e) => ({ ...e, tier: 'free' }))
const END = '2026-03-18'
const DAYS = 400
const START = addDays(END, -(DAYS - 1))
const CAP_STOPS = '2026-02-28'
const STALE_ENDS = '2026-03-08'

type Ctx = Awaited<ReturnType<typeof createTestContext>>
type Row = Record<string, unknown>
type Body = { message?: string; data: Row[]; meta: Record<string, unknown> }

function asset(symbol: string, seed: number, start: number, supply: number, capUntil = END): Candle[] {
  return barsFromCloses(symbol, randomWalk(DAYS, seed, { start }), {
    start: START,
    marketCap: (close, i) => (addDays(START, i) <= capUntil ? close * supply : null),
  })
}

const candles: Record<string, Candle[]> = {
  BTC: asset('BTC', 1, 60_000, 19.8e6),
  ETH: asset('ETH', 2, 3_000, 120e6),
  DEFI: asset('DEFI', 3, 10, 1e8),
  CAPLESS: asset('CAPLESS', 4, 5, 1e7, CAP_STOPS),
  // The largest cap of all, if an old one were allowed to count.
  STALE: asset('STALE', 5, 100, 1e12).filter((c) => c.time <= STALE_ENDS),
}
const lastBar = (symbol: string) => candles[symbol]!.at(-1)!

describe('endpoints over a universe whose dates differ', () => {
  let ctx: Ctx
  const get = async (pathAndQuery: string): Promise<Body> => {
    const res = await ctx.app.request(`http://localhost${pathAndQuery}`)
    const body = (await res.json()) as Body
    expect(res.status, `${pathAndQuery}: ${JSON.stringify(body).slice(0, 300)}`).toBe(200)
    return body
  }

  beforeAll(async () => {
    ctx = await createTestContext({
      rpcUrl: NO_RPC,
      seed: false,
      endpoints: free,
      env: { LOG_LEVEL: 'silent' },
    })
    await ctx.services.market.saveTokens([
      { symbol: 'BTC', name: 'Bitcoin', category: 'Layer 1' },
      { symbol: 'ETH', name: 'Ethereum', category: 'Layer 1' },
      { symbol: 'DEFI', name: 'Defi', category: 'DeFi' },
      { symbol: 'CAPLESS', name: 'Capless', category: 'DeFi' },
      { symbol: 'STALE', name: 'Stale', category: 'DeFi' },
    ])
    await ctx.services.market.saveCandles('1d', Object.values(candles).flat(), 'csv')
  })
  afterAll(() => ctx?.close())

  it('top-market-cap-tokens ranks caps of the latest day only and names the assets without one', async () => {
    const { data, message, meta } = await get('/v1/top-market-cap-tokens')
    expect(data.map((r) => r.TOKEN_SYMBOL)).toEqual(['BTC', 'ETH', 'DEFI'])
    for (const row of data) {
      expect(row.DATE).toBe(END)
      const bar = lastBar(row.TOKEN_SYMBOL as string)
      expect(row).toMatchObject({ CURRENT_PRICE: bar.close, MARKET_CAP: bar.marketCap })
    }
    expect(meta.withoutMarketCap).toEqual(['CAPLESS', 'STALE'])
    expect(message).toBe(`no market cap estimate on ${END} for CAPLESS, STALE; left out of the ranking`)
  })

  it('price-prediction prices against each asset’s last close and dates the supply', async () => {
    const { data } = await get('/v1/price-prediction?symbol=CAPLESS,STALE')
    const [capless, stale] = data
    expect(capless).toMatchObject({
      DATE: END,
      CURRENT_PRICE: lastBar('CAPLESS').close,
      CURRENT_MARKET_CAP: null,
      CURRENT_SHARE: null,
      SUPPLY_DATE: CAP_STOPS,
    })
    for (const s of capless!.PRICE_PREDICTION as Row[]) {
      expect(s.PREDICTED_ROI_BASE as number).toBeCloseTo(
        (s.PREDICTED_PRICE_BASE as number) / lastBar('CAPLESS').close - 1,
        12,
      )
    }
    // An asset that stopped trading is reported on its own last day, and says so.
    expect(stale).toMatchObject({ DATE: STALE_ENDS, SUPPLY_DATE: STALE_ENDS })
  })

  it('token-report ranks among the caps of the report day and prices every section on it', async () => {
    const report = (await get('/v1/token-report?symbol=CAPLESS')).data[0] as Record<string, Row>
    expect(report.DATE).toBe(END)
    expect(report.OVERVIEW).toMatchObject({
      PRICE: lastBar('CAPLESS').close,
      MARKET_CAP: null,
      MARKET_CAP_RANK: null,
    })
    expect(report.SCENARIO).toMatchObject({ DATE: END, SUPPLY_DATE: CAP_STOPS })
    expect(report.CORRELATION!.DATE).toBe(END)
    expect((report.RISK!.METRICS as Row).DATE).toBe(END)
    const eth = (await get('/v1/token-report?symbol=ETH')).data[0] as Record<string, Row>
    expect(eth.OVERVIEW).toMatchObject({ MARKET_CAP_RANK: 2, RANKED_ASSETS: 3 })
  })

  it('investor-grades ranks only assets that traded on the grading date and names the one that did not', async () => {
    const all = await get('/v1/investor-grades')
    expect(all.meta.gradesAsOf).toBe(END)
    expect(all.data.map((r) => r.TOKEN_SYMBOL)).not.toContain('STALE')
    for (const row of all.data) expect(row.DATE).toBe(END)
    const some = await get('/v1/investor-grades?symbol=ETH,STALE')
    expect(some.data.map((r) => r.TOKEN_SYMBOL)).toEqual(['ETH'])
    expect(some.meta.notOnGradingDate).toEqual(['STALE'])
    expect(some.message).toContain(`no bar on the grading date ${END} for STALE (data ends ${STALE_ENDS})`)
  })

  it('index holdings: caps only from the index date, and a carried price names its own date', async () => {
    const { data } = await get('/v1/indices-holdings?index=sector-defi')
    const bySymbol = Object.fromEntries(data.map((h) => [h.TOKEN_SYMBOL, h]))
    expect(Object.keys(bySymbol).sort()).toEqual(['CAPLESS', 'DEFI', 'STALE'])
    expect(bySymbol.STALE).toMatchObject({
      DATE: END,
      PRICE: lastBar('STALE').close,
      PRICE_DATE: STALE_ENDS,
      MARKET_CAP: null,
    })
    expect(bySymbol.CAPLESS).toMatchObject({ PRICE_DATE: END, MARKET_CAP: null })
    expect(bySymbol.DEFI).toMatchObject({ PRICE_DATE: END, MARKET_CAP: lastBar('DEFI').marketCap })
    const [index] = (await get('/v1/indices?index=sector-defi')).data
    expect(index).toMatchObject({ COINS: 3, MARKET_CAP_COINS: 1, MARKET_CAP: lastBar('DEFI').marketCap })
  })

  it('market-metrics: the signal breadth in meta is for the last day of the range asked for', async () => {
    const { data, meta } = await get('/v1/market-metrics?endDate=2026-01-31&limit=5')
    const last = data.at(-1)!
    expect(last.DATE).toBe('2026-01-31')
    const breadth = meta.latestSignalBreadth as Row
    expect(breadth.asOf).toBe('2026-01-31')
    expect(breadth.bullishShare).toBe(last.BULLISH_SIGNAL_SHARE)
  })

  it('per-asset technical rows carry each asset’s own last day', async () => {
    for (const path of ['/v1/trading-signals', '/v1/trader-grades', '/v1/quantmetrics']) {
      const { data } = await get(`${path}?symbol=ETH,STALE`)
      expect(data.map((r) => [r.TOKEN_SYMBOL, r.DATE])).toEqual([
        ['ETH', END],
        ['STALE', STALE_ENDS],
      ])
    }
  })
})
