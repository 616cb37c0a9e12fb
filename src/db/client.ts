import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { Db } from './database'
import * as schema from './schema'

/** The Node store: better-sqlite3 on a local file. The runtime-neutral `Db` type lives in ./database. */
export type { Db } from './database'

export const MIGRATIONS_FOLDER = path.resolve(import.meta.dirname, 'migrations')

export interface SqliteHandle {
  db: Db & BetterSQLite3Database<typeof schema>
  close(): void
}

export interface SqliteOptions {
  /**
   * How long one statement waits synchronously for another writer's lock. The server keeps it short (its writes
   * retry asynchronously, db/busy.ts, so a lock never freezes other requests); command-line tools may wait longer.
   */
  busyTimeoutMs?: number
}

/** Opens (creating if needed) the SQLite file at `file`, tunes it for a web server and applies migrations. */
export function openSqliteDb(file: string, options: SqliteOptions = {}): SqliteHandle {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`)
  const db = drizzle(sqlite, { schema })
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  return { db, close: () => sqlite.close() }
}
