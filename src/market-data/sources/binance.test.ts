import { afterEach, describe, expect, it } from 'vitest'
import {
  binanceKlines,
  loadFixture,
  type ReplayServer,
  startReplayServer,
} from '../../../test/helpers/replay-server'
import type { Candle } from '../../lib/candle'
import { createBinanceSource } from './binance'
import { SourceHttpError } from './errors'

type KlineRow = [number, ...unknown[]]
const btcDaily = loadFixture<KlineRow[]>('binance-klines-btcusdt-1d.json')
const ethHourly = loadFixture<KlineRow[]>('binance-klines-ethusdt-1h.json')
/** Mid-day on 2024-01-06: the fixture's last daily bar is still open. */
const NOW = Date.parse('2024-01-06T12:00:00Z')
const noWait = { sleep: async () => {}, rateLimiter: undefined }

let server: ReplayServer
afterEach(() => server?.close())

async function collect(pages: AsyncIterable<Candle[]>) {
  const out: Candle[][] = []
  for await (const page of pages) out.push(page)
  return out
}

describe('binance source', () => {
  it('normalises klines: quote volume, ascending, still-open bar dropped', async () => {
    server = await startReplayServer(binanceKlines({ BTCUSDT: btcDaily }))
    const source = createBinanceSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    const pages = await collect(source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' }))

    const candles = pages.flat()
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
      open: 42283.58,
      high: 44184.1,
      low: 42180.77,
      close: 44179.55,
      volume: 1169995736.7245102,
      marketCap: null,
    })
    const query = server.requests[0]!.query
    expect(Object.fromEntries(query)).toEqual({
      symbol: 'BTCUSDT',
      interval: '1d',
      startTime: String(Date.parse('2024-01-01')),
      limit: '1000',
    })
  })

  it('pages forward by startTime and stops at the open bar', async () => {
    server = await startReplayServer(binanceKlines({ BTCUSDT: btcDaily }))
    const source = createBinanceSource({
      baseUrl: server.baseUrl,
      pageLimit: 2,
      now: () => NOW,
      http: noWait,
    })
    const pages = await collect(source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' }))

    expect(pages.map((p) => p.map((c) => c.time))).toEqual([
      ['2024-01-01', '2024-01-02'],
      ['2024-01-03', '2024-01-04'],
      ['2024-01-05'],
    ])
    expect(
      server.requests.map((r) => new Date(Number(r.query.get('startTime'))).toISOString().slice(0, 10)),
    ).toEqual(['2024-01-01', '2024-01-03', '2024-01-05'])
  })

  it('honours until (endTime) and a mid-day since (first bar opening after it)', async () => {
    server = await startReplayServer(binanceKlines({ BTCUSDT: btcDaily }))
    const source = createBinanceSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    const pages = await collect(
      source.fetchCandles({
        symbol: 'BTC',
        interval: '1d',
        since: '2024-01-01T06:00:00Z',
        until: '2024-01-03',
      }),
    )
    expect(pages.flat().map((c) => c.time)).toEqual(['2024-01-02', '2024-01-03'])
    expect(server.requests[0]!.query.get('endTime')).toBe(String(Date.parse('2024-01-03')))
  })

  it('keys hourly bars by ISO open time and maps symbols through overrides', async () => {
    server = await startReplayServer(binanceKlines({ ETHUSDT: ethHourly }))
    const source = createBinanceSource({
      baseUrl: server.baseUrl,
      pairs: { WETH: 'ETHUSDT' },
      now: () => Date.parse('2024-03-02T00:00:00Z'),
      http: noWait,
    })
    const candles = (
      await collect(source.fetchCandles({ symbol: 'WETH', interval: '1h', since: '2024-03-01' }))
    ).flat()
    expect(candles.map((c) => c.time)).toEqual([
      '2024-03-01T00:00:00Z',
      '2024-03-01T01:00:00Z',
      '2024-03-01T02:00:00Z',
      '2024-03-01T03:00:00Z',
    ])
    expect(candles.every((c) => c.symbol === 'WETH')).toBe(true)
    expect(candles[3]).toMatchObject({ open: 3328.16, close: 3342.9, volume: 20062311.90817263 })
  })

  it('fails with the HTTP error for an unknown pair', async () => {
    server = await startReplayServer(binanceKlines({ BTCUSDT: btcDaily }))
    const source = createBinanceSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    const run = collect(source.fetchCandles({ symbol: 'NOPE', interval: '1d', since: '2024-01-01' }))
    await expect(run).rejects.toBeInstanceOf(SourceHttpError)
    await expect(run).rejects.toThrow(
      /symbol=NOPEUSDT.*HTTP 400 after 1 attempt: \{"code":-1121,"msg":"Invalid symbol."\}/,
    )
  })

  it('rejects a kline whose decimals are not strings', async () => {
    const broken = [[1704067200000, 42283.58, '1', '1', '1', '1', 1704153599999, '1', 1, '1', '1', '0']]
    server = await startReplayServer(() => ({ json: broken }))
    const source = createBinanceSource({ baseUrl: server.baseUrl, now: () => NOW, http: noWait })
    await expect(
      collect(source.fetchCandles({ symbol: 'BTC', interval: '1d', since: '2024-01-01' })),
    ).rejects.toThrow(/unexpected payload: .*expected string, received number\n {2}→ at \[0\]\[1\]/s)
  })
})
