import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { describe, expect, it } from 'vitest'
import { importOhlcvCsv, importTokensCsv } from '../market-data/csv-import'
import { MarketStore } from '../market-data/store'
import { MIGRATIONS_FOLDER, openSqliteDb } from './client'
import { getAllCandles, getDataVersion, getMeta, listTokens } from './queries/market-data'
import * as schema from './schema'
import { createSqlScript, inlineParameters, sqlLiteral } from './sql-script'

describe('SQL scripts from the store queries (what `ingest --d1` hands to wrangler)', () => {
  it.each([
    [null, 'NULL'],
    [42, '42'],
    [-0.000123, '-0.000123'],
    [123456789012345680000, '123456789012345680000'],
    [12n, '12'],
    ["O'Brien; DROP TABLE x --", "'O''Brien; DROP TABLE x --'"],
    ['?', "'?'"],
  ])('writes %s as the literal %s', (value, literal) => {
    expect(sqlLiteral(value)).toBe(literal)
  })

  it('refuses values SQL cannot hold exactly', () => {
    expect(() => sqlLiteral(Number.NaN)).toThrow()
    expect(() => sqlLiteral('a\u0000b')).toThrow()
    expect(() => sqlLiteral({})).toThrow()
  })

  it('substitutes placeholders, never a ? inside a quoted identifier or string', () => {
    expect(inlineParameters(`insert into "a?" values (?, '?', ?)`, ['x', 1])).toBe(
      `insert into "a?" values ('x', '?', 1)`,
    )
    expect(() => inlineParameters('select ?', [])).toThrow()
    expect(() => inlineParameters('select 1', [1])).toThrow()
  })

  it('the script of a CSV import, run on SQLite, stores exactly what the direct import stores', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-sql-script-'))
    const csv = path.join(dir, 'daily_ohlcv.csv')
    const lines = ['symbol,date,open,high,low,close,volume,market_cap']
    for (let d = 1; d <= 28; d++) {
      const date = `2026-02-${String(d).padStart(2, '0')}`
      lines.push(`BTC,${date},${60000 + d},${61000 + d},${59000 + d},${60500.5 + d},${1e9 + d},${1.2e12 + d}`)
      lines.push(`ETH,${date},${3000 + d},${3100 + d},${2900 + d},${3050.25 + d},${5e8 + d},`)
    }
    writeFileSync(csv, `${lines.join('\n')}\n`)
    const tokens = path.join(dir, 'tokens.csv')
    writeFileSync(tokens, 'symbol,name,category\nBTC,Bitcoin,Layer 1\nETH,"Ether, the token",Layer 1\n')

    const direct = openSqliteDb(':memory:')
    const directStore = new MarketStore(direct.db)
    await importTokensCsv(directStore, tokens)
    await importOhlcvCsv(directStore, csv)

    const script = createSqlScript()
    const scripted = new MarketStore(script.db)
    await importTokensCsv(scripted, tokens)
    await importOhlcvCsv(scripted, csv)
    const statements = script.statements()
    expect(statements.every((s) => s.length < 100_000)).toBe(true)
    const sqlite = new Database(':memory:')
    const viaScript = { db: drizzle(sqlite, { schema }), close: () => sqlite.close() }
    migrate(viaScript.db, { migrationsFolder: MIGRATIONS_FOLDER })
    sqlite.exec(statements.join('\n'))

    expect(await getAllCandles(viaScript.db, '1d')).toEqual(await getAllCandles(direct.db, '1d'))
    expect(await listTokens(viaScript.db)).toEqual(await listTokens(direct.db))
    expect(await getMeta(viaScript.db, 'data_source')).toBe('csv')
    expect(await getDataVersion(viaScript.db)).toBeGreaterThan(0)
    direct.close()
    viaScript.close()
  })
})
