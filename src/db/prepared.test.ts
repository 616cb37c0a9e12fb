import { eq, sql } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDb } from './client'
import type { Db } from './database'
import {
  definedColumns,
  MAX_PREPARED_SHAPES,
  placeholderFor,
  preparedCount,
  preparedStatement,
} from './prepared'

const handles: { close(): void }[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.close()
})
function database(): Db {
  const handle = openSqliteDb(':memory:')
  handles.push(handle)
  return handle.db
}

/** Columns whose encoders change the value, which the ledger's plain text and integer columns never do. */
const encoded = sqliteTable('encoded', {
  id: integer('id').primaryKey(),
  flag: integer('flag', { mode: 'boolean' }),
  doc: text('doc', { mode: 'json' }).$type<{ a: number }>(),
  at: integer('at', { mode: 'timestamp_ms' }),
})

describe('preparedStatement', () => {
  it('prepares a key once per database and stops at the cap', () => {
    const one = database()
    const two = database()
    let built = 0
    const make = () => ({ n: ++built })
    const first = preparedStatement(one, 'k', make)
    expect(preparedStatement(one, 'k', make)).toBe(first)
    expect(preparedStatement(two, 'k', make)).not.toBe(first)
    expect(built).toBe(2)
    for (let i = 1; i < MAX_PREPARED_SHAPES; i++) preparedStatement(one, `k${i}`, make)
    expect(preparedCount(one)).toBe(MAX_PREPARED_SHAPES)
    expect(preparedStatement(one, 'one too many', make)).toBeUndefined()
    expect(preparedStatement(one, 'k', make)).toBe(first)
    expect(built).toBe(MAX_PREPARED_SHAPES + 1)
  })
})

describe('placeholderFor', () => {
  it('binds values through the column encoder in values, set and where, as plain values are; null stays null', async () => {
    const db = database()
    await db.run(sql`CREATE TABLE encoded (id INTEGER PRIMARY KEY, flag INTEGER, doc TEXT, at INTEGER)`)
    const insert = db
      .insert(encoded)
      .values({
        id: placeholderFor('id', encoded.id),
        flag: placeholderFor('flag', encoded.flag),
        doc: placeholderFor('doc', encoded.doc),
        at: placeholderFor('at', encoded.at),
      })
      .returning()
      .prepare()
    const at = new Date('2026-03-01T10:00:00Z')
    const [row] = await insert.all({ id: 1, flag: true, doc: { a: 1 }, at })
    expect(row).toEqual({ id: 1, flag: true, doc: { a: 1 }, at })
    expect(await insert.all({ id: 2, flag: null, doc: null, at: null })).toEqual([
      { id: 2, flag: null, doc: null, at: null },
    ])
    expect(await db.all(sql`SELECT flag, doc, at FROM encoded WHERE id = 1`)).toEqual([
      { flag: 1, doc: '{"a":1}', at: at.getTime() },
    ])

    const update = db
      .update(encoded)
      .set({ doc: placeholderFor('doc', encoded.doc) })
      .where(eq(encoded.at, placeholderFor('at', encoded.at)))
      .returning({ doc: encoded.doc })
      .prepare()
    expect(await update.all({ doc: { a: 2 }, at })).toEqual([{ doc: { a: 2 } }])
  })
})

describe('definedColumns', () => {
  it('names the columns given a value, sorted, without the excepted one or unknown keys', () => {
    const columns = { a: 1, b: 2, c: 3, state: 4 }
    const values = { c: null, a: 1, b: undefined, state: 'x', extra: 5 } as Record<string, unknown>
    expect(definedColumns(columns, values, 'state')).toEqual(['a', 'c'])
  })
})
