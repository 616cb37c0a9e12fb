import { afterEach, describe, expect, it } from 'vitest'
import {
  coingeckoMarkets,
  loadFixture,
  type ReplayServer,
  startReplayServer,
} from '../../../test/helpers/replay-server'
import type { Candle } from '../../lib/candle'
import { createCoinGeckoSource } from './coingecko'
import { SourceUnsupportedError } from './errors'
import { fillMarketCaps } from './market-caps'

const markets = loadFixture<{ id: string }[]>('coingecko-coins-markets.json')
const noWait = { sleep: async () => {}, rateLimiter: undefined }

let server: ReplayServer
afterEach(() => server?.close())

describe('coingecko source', () => {
  it('fetches and normalises market snapshots by id', async () => {
    server = await startReplayServer(coingeckoMarkets(markets))
    const source = createCoinGeckoSource({ baseUrl: server.baseUrl, http: noWait })
    const snapshots = await source.fetchMarkets(['bitcoin', 'ethereum', 'bitcoin'])

    expect(snapshots).toEqual([
      {
        symbol: 'BTC',
        coingeckoId: 'bitcoin',
        name: 'Bitcoin',
        price: 43968,
        marketCap: 861356027436,
        circulatingSupply: 19590000,
        volume24h: 17890123456,
        rank: 1,
        lastUpdated: '2024-01-06T23:59:30.123Z',
      },
      expect.objectContaining({
        symbol: 'ETH',
        coingeckoId: 'ethereum',
        circulatingSupply: 120180000.5,
        rank: 2,
      }),
    ])
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({
      vs_currency: 'usd',
      ids: 'bitcoin,ethereum',
      page: '1',
      per_page: '250',
    })
  })

  it('chunks ids per page and maps unknown (0) market cap and supply to null', async () => {
    server = await startReplayServer(coingeckoMarkets(markets))
    const source = createCoinGeckoSource({ baseUrl: server.baseUrl, perPage: 2, http: noWait })
    const snapshots = await source.fetchMarkets(['bitcoin', 'ethereum', 'example-new-token'])
    expect(server.requests.map((r) => r.query.get('ids'))).toEqual(['bitcoin,ethereum', 'example-new-token'])
    expect(snapshots[2]).toMatchObject({
      symbol: 'NEWT',
      marketCap: null,
      circulatingSupply: null,
      rank: null,
    })
  })

  it('lists the top assets by market cap across pages', async () => {
    server = await startReplayServer(coingeckoMarkets(markets))
    const source = createCoinGeckoSource({ baseUrl: server.baseUrl, perPage: 2, http: noWait })
    const top = await source.fetchTopMarkets(3)
    expect(top.map((m) => m.symbol)).toEqual(['BTC', 'ETH', 'SOL'])
    expect(server.requests.map((r) => r.query.get('page'))).toEqual(['1', '2'])
    expect(server.requests[0]!.query.get('order')).toBe('market_cap_desc')
  })

  it('has no candle history', async () => {
    const source = createCoinGeckoSource({ baseUrl: 'http://127.0.0.1:9' })
    expect(source.intervals).toEqual([])
    await expect(
      source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' }).next(),
    ).rejects.toBeInstanceOf(SourceUnsupportedError)
  })
})

describe('fillMarketCaps', () => {
  const bar = (symbol: string, time: string, close: number): Candle => ({
    symbol,
    time,
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    marketCap: null,
  })
  const candles = [
    bar('BTC', '2024-01-04', 44000),
    bar('BTC', '2024-01-05', 44145.11),
    bar('XYZ', '2024-01-05', 2),
  ]
  const snapshot = {
    symbol: 'BTC',
    coingeckoId: 'bitcoin',
    name: 'Bitcoin',
    price: 43968,
    marketCap: 1,
    circulatingSupply: 19_590_000,
    volume24h: 1,
    rank: 1,
    lastUpdated: null,
  }

  it('sets supply × close on the latest daily bar only by default', () => {
    const filled = fillMarketCaps(candles, [snapshot])
    expect(filled.map((c) => c.marketCap)).toEqual([null, 19_590_000 * 44145.11, null])
  })

  it('applies today’s supply to every bar with scope all', () => {
    const filled = fillMarketCaps(candles, [snapshot], { scope: 'all' })
    expect(filled.map((c) => c.marketCap)).toEqual([19_590_000 * 44000, 19_590_000 * 44145.11, null])
  })
})
