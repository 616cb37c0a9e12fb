import { afterEach, describe, expect, it } from 'vitest'
import {
  binanceKlines,
  coinbaseCandles,
  loadFixture,
  type ReplayHandler,
  type ReplayServer,
  startReplayServer,
} from '../../test/helpers/replay-server'
import type { Candle, Interval } from '../lib/candle'
import { type IngestProgressEvent, runIngestion } from './ingest-pipeline'
import { createBinanceSource } from './sources/binance'
import { createCoinbaseSource } from './sources/coinbase'
import { createCoinGeckoSource } from './sources/coingecko'
import type { RequestPolicy } from './sources/http-client'
import type { CandleStore, SourceId } from './sources/source'

/** The unit-test CandleStore: upserts by (interval, symbol, time) and counts how often each bar was written. */
class MemoryCandleStore implements CandleStore {
  readonly rows = new Map<string, Candle>()
  readonly writes = new Map<string, number>()
  readonly cursors = new Map<string, string>()

  async upsertCandles(interval: Interval, candles: Candle[]): Promise<number> {
    let inserted = 0
    for (const candle of candles) {
      const key = `${interval}|${candle.symbol}|${candle.time}`
      if (!this.rows.has(key)) inserted++
      this.rows.set(key, candle)
      this.writes.set(key, (this.writes.get(key) ?? 0) + 1)
    }
    return inserted
  }
  async getCursor(source: SourceId, symbol: string, interval: Interval) {
    return this.cursors.get(`${source}|${symbol}|${interval}`) ?? null
  }
  async setCursor(source: SourceId, symbol: string, interval: Interval, lastTime: string) {
    this.cursors.set(`${source}|${symbol}|${interval}`, lastTime)
  }
  times(symbol: string) {
    return [...this.rows.values()].filter((c) => c.symbol === symbol).map((c) => c.time)
  }
}

type KlineRow = [number, ...unknown[]]
const btcDaily = loadFixture<KlineRow[]>('binance-klines-btcusdt-1d.json')
const NOW = Date.parse('2024-01-06T12:00:00Z')
const ALL_CLOSED_DAYS = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']
const replayBinance = binanceKlines({ BTCUSDT: btcDaily })

let server: ReplayServer
afterEach(() => server?.close())

function binance(overrides: RequestPolicy = {}) {
  const sleeps: number[] = []
  const http: RequestPolicy = {
    rateLimiter: undefined,
    retries: 2,
    backoffBaseMs: 10,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  }
  const source = createBinanceSource({ baseUrl: server.baseUrl, pageLimit: 2, now: () => NOW, http })
  return { source, sleeps }
}

const startDay = (r: { query: URLSearchParams }) =>
  new Date(Number(r.query.get('startTime'))).toISOString().slice(0, 10)

describe('runIngestion', () => {
  it('ingests page by page, reports progress, and names a failing symbol without stopping the others', async () => {
    server = await startReplayServer(replayBinance)
    const store = new MemoryCandleStore()
    const events: IngestProgressEvent[] = []
    const summary = await runIngestion({
      source: binance().source,
      store,
      symbols: ['NOPE', 'BTC'],
      interval: '1d',
      since: '2024-01-01',
      onProgress: (e) => events.push(e),
    })

    expect(store.times('BTC')).toEqual(ALL_CLOSED_DAYS)
    expect(store.cursors.get('binance|BTC|1d')).toBe('2024-01-05')
    expect(summary).toMatchObject({
      source: 'binance',
      interval: '1d',
      symbols: 2,
      pages: 3,
      candles: 5,
      inserted: 5,
    })
    expect(summary.updated).toBe(0)
    expect(summary.errors).toHaveLength(1)
    expect(summary.errors[0]!.symbol).toBe('NOPE')
    expect(summary.errors[0]!.message).toMatch(
      /^binance NOPE 1d: GET .*symbol=NOPEUSDT.* failed with HTTP 400 .*Invalid symbol/,
    )
    expect(events.map((e) => [e.symbol, e.phase, e.index, e.total, e.candles, e.lastTime])).toEqual([
      ['NOPE', 'error', 0, 2, 0, null],
      ['BTC', 'page', 1, 2, 2, '2024-01-02'],
      ['BTC', 'page', 1, 2, 4, '2024-01-04'],
      ['BTC', 'page', 1, 2, 5, '2024-01-05'],
      ['BTC', 'done', 1, 2, 5, '2024-01-05'],
    ])
  })

  it('rides out a 429 with Retry-After and a 503 mid-run', async () => {
    const flaky: ReplayHandler = (request) => {
      if (request.n === 2)
        return { status: 429, headers: { 'retry-after': '1' }, json: { code: -1003, msg: 'Too many' } }
      if (request.n === 3) return { status: 503, body: 'Service Unavailable' }
      return replayBinance(request)
    }
    server = await startReplayServer(flaky)
    const store = new MemoryCandleStore()
    const { source, sleeps } = binance()
    const summary = await runIngestion({
      source,
      store,
      symbols: ['BTC'],
      interval: '1d',
      since: '2024-01-01',
    })

    expect(summary.errors).toEqual([])
    expect(store.times('BTC')).toEqual(ALL_CLOSED_DAYS)
    expect(sleeps).toEqual([1000, 10]) // Retry-After: 1 s, then backoff for the 503 (second retry of that page)
    expect(server.requests.map(startDay)).toEqual([
      '2024-01-01',
      '2024-01-03',
      '2024-01-03',
      '2024-01-03',
      '2024-01-05',
    ])
  })

  it('resumes an interrupted run from the cursor: every bar exactly once, nothing before the cursor refetched', async () => {
    server = await startReplayServer((request) =>
      request.n <= 2 ? replayBinance(request) : { status: 500, json: { msg: 'down' } },
    )
    const store = new MemoryCandleStore()
    const first = await runIngestion({
      source: binance().source,
      store,
      symbols: ['BTC'],
      interval: '1d',
      since: '2024-01-01',
    })
    expect(first.errors).toEqual([
      { symbol: 'BTC', message: expect.stringMatching(/HTTP 500 after 3 attempts/) },
    ])
    expect(first.pages).toBe(2)
    expect(store.cursors.get('binance|BTC|1d')).toBe('2024-01-04')

    server.setHandler(replayBinance)
    const requestsBefore = server.requests.length
    const second = await runIngestion({
      source: binance().source,
      store,
      symbols: ['BTC'],
      interval: '1d',
      since: '2024-01-01',
    })

    expect(second).toMatchObject({ errors: [], pages: 1, candles: 1, inserted: 1, updated: 0 })
    expect(server.requests.slice(requestsBefore).map(startDay)).toEqual(['2024-01-05'])
    expect(store.times('BTC')).toEqual(ALL_CLOSED_DAYS)
    expect([...store.writes.values()]).toEqual([1, 1, 1, 1, 1])
  })

  it('is idempotent: a re-run adds nothing, and a re-run without cursors only updates', async () => {
    server = await startReplayServer(replayBinance)
    const store = new MemoryCandleStore()
    const params = { store, symbols: ['BTC'], interval: '1d' as const, since: '2024-01-01' }
    await runIngestion({ ...params, source: binance().source })

    const again = await runIngestion({ ...params, source: binance().source })
    expect(again).toMatchObject({ pages: 0, candles: 0, inserted: 0, errors: [] })

    store.cursors.clear()
    const fromScratch = await runIngestion({ ...params, source: binance().source })
    expect(fromScratch).toMatchObject({ candles: 5, inserted: 0, updated: 5 })
    expect(store.rows.size).toBe(5)
  })

  it('stops asking a source that keeps rate-limiting us and marks the rest skipped', async () => {
    server = await startReplayServer(() => ({ status: 429, headers: { 'retry-after': '0' } }))
    const summary = await runIngestion({
      source: binance({ retries: 1 }).source,
      store: new MemoryCandleStore(),
      symbols: ['BTC', 'ETH', 'SOL'],
      interval: '1d',
      since: '2024-01-01',
    })
    expect(summary.errors.map((e) => e.symbol)).toEqual(['BTC', 'ETH', 'SOL'])
    expect(summary.errors[1]!.message).toBe('skipped: binance is rate-limiting this client')
    expect(server.requests).toHaveLength(2)
  })

  it('works the same with another source (Coinbase)', async () => {
    server = await startReplayServer(
      coinbaseCandles({ 'BTC-USD': loadFixture('coinbase-candles-btc-usd-1d.json') }),
    )
    const store = new MemoryCandleStore()
    const source = createCoinbaseSource({
      baseUrl: server.baseUrl,
      maxCandlesPerRequest: 2,
      now: () => NOW,
      http: { rateLimiter: undefined },
    })
    const summary = await runIngestion({
      source,
      store,
      symbols: ['BTC'],
      interval: '1d',
      since: '2024-01-01',
    })
    expect(summary).toMatchObject({ pages: 3, candles: 5, errors: [] })
    expect(store.cursors.get('coinbase|BTC|1d')).toBe('2024-01-05')
  })

  it('rejects an interval the source has no history for, and a bad since', async () => {
    const store = new MemoryCandleStore()
    const common = { store, symbols: ['BTC'], interval: '1d' as const }
    await expect(
      runIngestion({ ...common, source: createCoinGeckoSource(), since: '2024-01-01' }),
    ).rejects.toThrow('coingecko has no 1d candle history (supports: none)')
    server = await startReplayServer(replayBinance)
    await expect(runIngestion({ ...common, source: binance().source, since: 'last week' })).rejects.toThrow(
      'since must be an ISO date',
    )
  })
})
