import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEnv } from '../../src/config/env'
import { openSqliteDb } from '../../src/db/client'
import { MarketStore } from '../../src/market-data/store'
import { startNode } from '../../src/node'
import { freePort } from '../helpers/devnet'
import { binanceKlines, type ReplayServer, startReplayServer } from '../helpers/replay-server'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)
const DAY = 86_400_000

/** Binance kline rows (the real array-of-arrays format) for `days` UTC days ending 2026-03-10. */
function klines(base: number, days: number): [number, ...unknown[]][] {
  const end = Date.parse('2026-03-10T00:00:00Z')
  return Array.from({ length: days }, (_, i) => {
    const open = end - (days - 1 - i) * DAY
    const o = base + i
    return [
      open,
      `${o}`,
      `${o + 2}`,
      `${o - 1}`,
      `${o + 1}`,
      '10.5',
      open + DAY - 1,
      `${(o + 1) * 10}`,
      42,
      '5',
      '50',
      '0',
    ]
  })
}

let replay: ReplayServer
let requests = 0
beforeAll(async () => {
  const handler = binanceKlines({ BTCUSDT: klines(60_000, 1500), ETHUSDT: klines(3_000, 1500) })
  replay = await startReplayServer((req) => {
    requests++
    return handler(req)
  })
})
afterAll(async () => {
  await replay?.close()
})

describe('x402-analytics ingest --source binance (replayed Binance API, real SQLite)', () => {
  it('pages through history, stores quote volume, and a re-run resumes from the cursor without duplicates', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-binance-'))
    const env = {
      ...process.env,
      DATABASE_PATH: path.join(dir, 'db.sqlite'),
      BINANCE_BASE_URL: replay.baseUrl,
    }
    const args = [
      'tsx',
      'src/cli/main.ts',
      'ingest',
      '--source',
      'binance',
      '--symbols',
      'BTC,ETH',
      '--since',
      '2022-01-01',
    ]
    const first = await run('npx', args, { cwd: root, env })
    expect(first.stdout).toMatch(/binance 1d: 3,000 candles for 2 symbols in 4 pages \(3000 new, 0 updated\)/)
    const requestsAfterFirst = requests
    const second = await run('npx', args, { cwd: root, env })
    expect(second.stdout).toMatch(/binance 1d: 0 candles for 2 symbols/)
    expect(requests - requestsAfterFirst).toBe(2) // one probe per symbol, from the cursor on

    const db = openSqliteDb(env.DATABASE_PATH)
    const store = new MarketStore(db.db)
    const eth = await store.candles({ symbol: 'ETH', interval: '1d' })
    expect(eth).toHaveLength(1500)
    expect(new Set(eth.map((c) => c.time)).size).toBe(1500)
    expect(eth.at(-1)).toMatchObject({ time: '2026-03-10', open: 4499, close: 4500, volume: 45_000 })
    expect(await store.source()).toBe('binance')
    expect((await store.tokens()).bySymbol.get('ETH')?.name).toBe('Ethereum')
    db.close()
  })
})

describe('first run on the devnet with an empty store', () => {
  it('offline: says so and serves a clearly labelled synthetic demo dataset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-firstrun-'))
    const node = await startNode(
      parseEnv({
        PORT: '0',
        DEVNET_PORT: String(await freePort()),
        DATABASE_PATH: path.join(dir, 'db.sqlite'),
        LOG_LEVEL: 'silent',
        BINANCE_BASE_URL: 'http://127.0.0.1:9',
      }),
    )
    try {
      const price = (await (await fetch(`${node.url}/v1/price?symbol=BTC`)).json()) as {
        data: { CURRENT_PRICE: number }[]
        meta: { source: string }
      }
      expect(price.meta.source).toBe('synthetic-demo')
      expect(price.data[0]!.CURRENT_PRICE).toBeGreaterThan(0)
      const tokens = (await (await fetch(`${node.url}/v1/tokens`)).json()) as { length: number }
      expect(tokens.length).toBeGreaterThanOrEqual(25)
      expect((await fetch(`${node.url}/v1/daily-ohlcv?symbol=ETH`)).status).toBe(402)
    } finally {
      await node.stop()
    }
  })
})

describe('a running server and a separate ingest process on the same SQLite file', () => {
  it("the server's next answer reflects what the other process ingested (no stale cached result)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-two-processes-'))
    const databasePath = path.join(dir, 'db.sqlite')
    const header = 'symbol,date,open,high,low,close,volume,market_cap\n'
    writeFileSync(
      path.join(dir, 'first.csv'),
      `${header}ETH,2026-03-17,1,2,0.5,1.5,100,\nETH,2026-03-18,1.5,2,1,1.8,120,\n`,
    )
    writeFileSync(
      path.join(dir, 'later.csv'),
      `${header}ETH,2026-03-19,1.8,2.6,1.7,2.5,130,\nSOL,2026-03-19,100,110,90,105,50,\n`,
    )
    const node = await startNode(
      parseEnv({
        PORT: '0',
        DEVNET_PORT: String(await freePort()),
        DATABASE_PATH: databasePath,
        MARKET_DATA_CSV: path.join(dir, 'first.csv'),
        MARKET_DATA_REFRESH_MINUTES: '0',
        LOG_LEVEL: 'silent',
      }),
    )
    type PriceBody = { data: { CURRENT_PRICE: number; DATE: string }[]; meta: { asOf: string } }
    const price = async (symbol: string) => {
      const res = await fetch(`${node.url}/v1/price?symbol=${symbol}`)
      return { status: res.status, body: (await res.json()) as PriceBody }
    }
    try {
      const before = await price('ETH')
      expect(before.body.data[0]).toMatchObject({ CURRENT_PRICE: 1.8, DATE: '2026-03-18' })
      expect((await price('ETH')).body.meta.asOf).toBe('2026-03-18') // served from the result cache
      expect((await price('SOL')).status).toBe(404)

      await run('npx', ['tsx', 'src/cli/main.ts', 'ingest', '--csv', path.join(dir, 'later.csv')], {
        cwd: root,
        env: { ...process.env, DATABASE_PATH: databasePath },
      })

      const after = await price('ETH')
      expect(after.body.data[0]).toMatchObject({ CURRENT_PRICE: 2.5, DATE: '2026-03-19' })
      expect(after.body.meta.asOf).toBe('2026-03-19')
      expect((await price('SOL')).status).toBe(200)
    } finally {
      await node.stop()
    }
  })
})
