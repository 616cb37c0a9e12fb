import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type * as schema from './schema'

/**
 * The database type every query takes. It is the common base of better-sqlite3 (sync) and D1 (async), so query code
 * must always `await` builders and use single atomic statements (no interactive transactions: D1 has none).
 * Runtime-neutral: importing it pulls in neither better-sqlite3 nor node:fs (the Worker bundle depends on that).
 */
export type Db = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>

/** What a driver allows beyond the SQL both share; queries consult it instead of knowing which driver they run on. */
export interface DatabaseTraits {
  /** Most bound parameters one statement may carry (SQLite: 32,766; D1: 100). Multi-row inserts chunk by it. */
  maxBoundParameters: number
  /**
   * Whether `PRAGMA data_version` tells this connection about other connections' commits. D1 serves every isolate
   * through one connection of its own, so the pragma never moves there: the version row must be re-read instead.
   */
  hasChangeCounter: boolean
}

const SQLITE_TRAITS: DatabaseTraits = { maxBoundParameters: 32_766, hasChangeCounter: true }
const traits = new WeakMap<object, DatabaseTraits>()

/** Declares a driver's traits for `db` (once, where it is opened). Unregistered databases are local SQLite. */
export function registerDatabaseTraits(db: Db, value: DatabaseTraits): void {
  traits.set(db, value)
}

export function databaseTraits(db: Db): DatabaseTraits {
  return traits.get(db) ?? SQLITE_TRAITS
}

/** Rows per multi-row INSERT: at most `preferred`, and never more bound parameters than the driver accepts. */
export function rowsPerStatement(db: Db, columnsPerRow: number, preferred: number): number {
  return Math.max(1, Math.min(preferred, Math.floor(databaseTraits(db).maxBoundParameters / columnsPerRow)))
}
