import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDb, type SqliteHandle } from '../db/client'
import { externalChangeCounter, getDataVersion } from '../db/queries/market-data'
import type { Candle } from '../lib/candle'
import { DataVersionTracker } from './data-version'
import { MarketStore } from './store'

const bar = (time: string, close: number): Candle => ({
  symbol: 'ETH',
  time,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  marketCap: null,
})

/** Two connections on one SQLite file: what a running server and a separate `ingest` process each hold. */
function twoConnections(): [SqliteHandle, SqliteHandle] {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'x402-store-')), 'db.sqlite')
  const first = openSqliteDb(file)
  opened.push(first)
  const second = openSqliteDb(file)
  opened.push(second)
  return [first, second]
}
const opened: SqliteHandle[] = []
afterEach(() => {
  for (const handle of opened.splice(0)) handle.close()
})

describe('MarketStore data version', () => {
  it('sees a write from another connection on the next call, so results keyed on it are not stale', async () => {
    const [serverDb, ingestDb] = twoConnections()
    const server = new MarketStore(serverDb.db)
    const ingest = new MarketStore(ingestDb.db)
    await server.saveCandles('1d', [bar('2026-03-18', 1.8)], 'csv')
    const before = await server.version()
    expect(await server.version()).toBe(before)
    expect((await server.allCandles('1d')).get('ETH')?.at(-1)?.close).toBe(1.8)

    await ingest.saveCandles('1d', [bar('2026-03-19', 2.5)], 'csv')

    expect(await server.version()).toBeGreaterThan(before)
    expect((await server.allCandles('1d')).get('ETH')?.at(-1)?.close).toBe(2.5)
  })

  it('an empty store that another process fills reports data', async () => {
    const [serverDb, ingestDb] = twoConnections()
    const server = new MarketStore(serverDb.db)
    expect(await server.hasData()).toBe(false)
    await new MarketStore(ingestDb.db).saveCandles('1d', [bar('2026-03-18', 1.8)], 'csv')
    expect(await server.hasData()).toBe(true)
  })

  it("its own writes move the version without a re-read (they do not move SQLite's change counter)", async () => {
    const [db] = twoConnections()
    const store = new MarketStore(db.db)
    const v0 = await store.version()
    await store.saveCandles('1d', [bar('2026-03-18', 1.8)], 'csv')
    expect(await store.version()).toBe(v0 + 1)
  })
})

describe('DataVersionTracker without a change counter (as on D1)', () => {
  it('re-reads the version row at most every recheckMs, so another writer is seen within that bound', async () => {
    const [serverDb, ingestDb] = twoConnections()
    let now = 1_000_000
    let rowReads = 0
    const tracker = new DataVersionTracker(
      {
        readVersion: () => {
          rowReads++
          return getDataVersion(serverDb.db)
        },
        readChangeCounter: async () => undefined,
      },
      { recheckMs: 2_000, now: () => now },
    )
    expect(await tracker.current()).toBe(0)
    await new MarketStore(ingestDb.db).saveCandles('1d', [bar('2026-03-18', 1.8)], 'csv')
    now += 1_999
    expect(await tracker.current()).toBe(0)
    expect(rowReads).toBe(1)
    now += 1
    expect(await tracker.current()).toBe(1)
    expect(rowReads).toBe(2)
  })
})

describe('DataVersionTracker with maxAgeMs (what the discovery examples of every 402 ask)', () => {
  it('answers from a version confirmed within maxAgeMs without a query, then checks again', async () => {
    const [serverDb, ingestDb] = twoConnections()
    let now = 1_000_000
    let counterReads = 0
    const tracker = new DataVersionTracker(
      {
        readVersion: () => getDataVersion(serverDb.db),
        readChangeCounter: async () => {
          counterReads++
          return (await externalChangeCounter(serverDb.db)) as number
        },
      },
      { now: () => now },
    )
    expect(await tracker.current({ maxAgeMs: 1_000 })).toBe(0)
    expect(counterReads).toBe(1)
    await new MarketStore(ingestDb.db).saveCandles('1d', [bar('2026-03-18', 1.8)], 'csv')
    now += 999
    expect(await tracker.current({ maxAgeMs: 1_000 })).toBe(0)
    expect(counterReads).toBe(1)
    // A caller without maxAgeMs always checks, and its check counts as a confirmation for the others.
    expect(await tracker.current()).toBe(1)
    expect(counterReads).toBe(2)
    now += 1_000
    expect(await tracker.current({ maxAgeMs: 1_000 })).toBe(1)
    expect(counterReads).toBe(3)
  })
})

describe('MarketStore synthetic demo bars', () => {
  it('removes only the synthetic bars, relabels the store by what is left, and bumps the version', async () => {
    const [db] = twoConnections()
    const store = new MarketStore(db.db)
    await store.saveCandles('1d', [bar('2026-03-17', 1), bar('2026-03-18', 2)], 'synthetic-demo')
    await store.saveCandles('1h', [bar('2026-03-18T00:00:00Z', 2)], 'synthetic-demo')
    await store.saveCandles('1d', [{ ...bar('2026-03-19', 3), symbol: 'BTC' }], 'csv')
    expect(await store.source()).toBe('mixed')
    expect(await store.syntheticBars()).toEqual({ daily: 2, hourly: 1 })
    const version = await store.version()

    expect(await store.removeSyntheticBars()).toEqual({ daily: 2, hourly: 1 })

    expect(await store.syntheticBars()).toEqual({ daily: 0, hourly: 0 })
    expect(await store.source()).toBe('csv')
    expect(await store.version()).toBe(version + 1)
    expect([...(await store.allCandles('1d')).keys()]).toEqual(['BTC'])
    expect(await store.removeSyntheticBars()).toEqual({ daily: 0, hourly: 0 })
    expect(await store.version()).toBe(version + 1)
  })

  it('a store that held only synthetic bars is empty and unlabelled afterwards', async () => {
    const [db] = twoConnections()
    const store = new MarketStore(db.db)
    await store.saveCandles('1d', [bar('2026-03-18', 2)], 'synthetic-demo')
    await store.removeSyntheticBars()
    expect(await store.hasData()).toBe(false)
    expect(await store.source()).toBe('csv') // the default label of an empty store
  })
})
