import { drizzle } from 'drizzle-orm/sqlite-proxy'
import { type Db, registerDatabaseTraits } from './database'
import * as schema from './schema'

/**
 * The queries of this module's callers as a SQL script instead of executed statements: a Db that records every
 * statement with its parameters inlined as literals, for stores reached only through a tool that runs SQL files
 * (`wrangler d1 execute --file`). Reads see an empty database, so only write paths that do not depend on what they
 * read belong here (upserts, version bumps).
 */
export interface SqlScript {
  db: Db
  /** The recorded statements, each a complete SQL statement ending in `;`. */
  statements(): string[]
}

/** Rows per multi-row insert in a script: literals count toward D1's 100 KB statement limit, not its parameters. */
const SCRIPT_ROWS_PER_STATEMENT = 200

export function createSqlScript(): SqlScript {
  const recorded: string[] = []
  const db = drizzle(
    async (sql, params) => {
      // Nobody reads a script's results, and a RETURNING statement left unstepped in the middle of a multi-statement
      // file makes local D1 fail its commit ("SQL statements in progress"). drizzle's SQL text here holds only
      // identifiers and placeholders, so the clause is found without touching any value.
      recorded.push(`${inlineParameters(sql.replace(/\sreturning\s[^?]*$/i, ''), params)};`)
      return { rows: [] }
    },
    { schema },
  ) as unknown as Db
  // Widest table (candles: 9 columns) × rows per statement.
  registerDatabaseTraits(db, { maxBoundParameters: 9 * SCRIPT_ROWS_PER_STATEMENT, hasChangeCounter: false })
  return { db, statements: () => [...recorded] }
}

/** A SQL literal for one bound value (SQLite syntax). */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL literal`)
    return String(value)
  }
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new Error('a NUL character cannot be written as a SQL literal')
    return `'${value.replaceAll("'", "''")}'`
  }
  throw new Error(`cannot write a ${typeof value} as a SQL literal`)
}

/**
 * Replaces each `?` placeholder of drizzle's SQL with its parameter. Drizzle quotes identifiers with double quotes
 * and binds every value, so a `?` inside a quoted identifier or string is skipped, never substituted.
 */
export function inlineParameters(sql: string, params: readonly unknown[]): string {
  let out = ''
  let next = 0
  let quote: string | undefined
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined
      out += ch
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch
      out += ch
    } else if (ch === '?') {
      if (next >= params.length) throw new Error('more placeholders than parameters')
      out += sqlLiteral(params[next++])
    } else out += ch
  }
  if (next !== params.length) throw new Error('more parameters than placeholders')
  return out
}
