import { afterEach, describe, expect, it } from 'vitest'
import {
  coinbaseCandles,
  loadFixture,
  type ReplayServer,
  startReplayServer,
} from '../../../test/helpers/replay-server'
import type { Candle } from '../../lib/candle'
import { createCoinbaseSource } from './coinbase'

type CoinbaseRow = [number, number, number, number, number, number]
const btcDaily = loadFixture<CoinbaseRow[]>('coinbase-candles-btc-usd-1d.json')
/** Mid-day on 2024-01-06: that day's bar is still open. */
const NOW = Date.parse('2024-01-06T12:00:00Z')
const noWait = { sleep: async () => {}, rateLimiter: undefined }

let server: ReplayServer
afterEach(() => server?.close())

async function collect(pages: AsyncIterable<Candle[]>) {
  const out: Candle[][] = []
  for await (const page of pages) out.push(page)
  return out
}

describe('coinbase source', () => {
  it('sorts newest-first rows ascending, computes USD volume, drops the open bar', async () => {
    server = await startReplayServer(coinbaseCandles({ 'BTC-USD': btcDaily }))
    const source = createCoinbaseSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    const candles = (
      await collect(source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' }))
    ).flat()

    expect(candles.map((c) => c.time)).toEqual([
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
      '2024-01-05',
    ])
    expect(candles[0]).toEqual({
      symbol: 'BTC',
      time: '2024-01-01',
      open: 42288.58,
      high: 44210,
      low: 42170.11,
      close: 44183,
      volume: 10541.19345678 * 44183,
      marketCap: null,
    })
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]!.path).toBe('/products/BTC-USD/candles')
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({
      granularity: '86400',
      start: '2024-01-01T00:00:00Z',
      end: '2024-01-05T00:00:00Z',
    })
  })

  it('walks forward in windows no larger than the per-request maximum', async () => {
    server = await startReplayServer(coinbaseCandles({ 'BTC-USD': btcDaily }, 2))
    const source = createCoinbaseSource({
      baseUrl: server.baseUrl,
      maxCandlesPerRequest: 2,
      now: () => NOW,
      http: noWait,
    })
    const pages = await collect(source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' }))

    expect(pages.map((p) => p.map((c) => c.time))).toEqual([
      ['2024-01-01', '2024-01-02'],
      ['2024-01-03', '2024-01-04'],
      ['2024-01-05'],
    ])
    expect(server.requests.map((r) => [r.query.get('start'), r.query.get('end')])).toEqual([
      ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'],
      ['2024-01-03T00:00:00Z', '2024-01-04T00:00:00Z'],
      ['2024-01-05T00:00:00Z', '2024-01-05T00:00:00Z'],
    ])
  })

  it('skips empty windows before a listing instead of yielding empty pages', async () => {
    server = await startReplayServer(coinbaseCandles({ 'BTC-USD': btcDaily }, 2))
    const source = createCoinbaseSource({
      baseUrl: server.baseUrl,
      maxCandlesPerRequest: 2,
      now: () => NOW,
      http: noWait,
    })
    const pages = await collect(
      source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2023-12-28', until: '2024-01-02' }),
    )
    expect(pages.map((p) => p.map((c) => c.time))).toEqual([['2024-01-01', '2024-01-02']])
    expect(server.requests).toHaveLength(3)
  })

  it('names the product when Coinbase does not list it', async () => {
    server = await startReplayServer(coinbaseCandles({ 'BTC-USD': btcDaily }))
    const source = createCoinbaseSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    await expect(
      collect(source.fetchCandles({ symbol: 'BNB', interval: '1d', since: '2024-01-01' })),
    ).rejects.toThrow(/products\/BNB-USD\/candles.*HTTP 404 after 1 attempt: \{"message":"NotFound"\}/)
  })
})
