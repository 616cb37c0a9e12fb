import { type DriverValueEncoder, type SQL, sql } from 'drizzle-orm'
import type { Db } from './database'

/**
 * Prepared statements for the hot queries, kept per database object. drizzle builds a query's SQL anew on every call
 * (about 175 µs for a select by id; the statement itself runs in about 20); a statement prepared once with
 * `sql.placeholder` skips that. Works on both drivers: better-sqlite3's prepared `.all()` returns rows, D1's returns a
 * promise of them, and callers `await` either.
 */

/**
 * Most statement shapes kept per database. The fixed queries take a handful; transitions and reservations take one per
 * (states, field names) their callers use, a few dozen in this code. A caller inventing shapes past the cap is still
 * served, unprepared.
 */
export const MAX_PREPARED_SHAPES = 128

const statements = new WeakMap<Db, Map<string, unknown>>()

/**
 * The statement cached under `key` for `db`, prepared by `prepare` on first use; undefined once `db` holds
 * MAX_PREPARED_SHAPES others (the caller then runs its query unprepared). One key must always name one shape.
 */
export function preparedStatement<T>(db: Db, key: string, prepare: () => T): T | undefined {
  let cache = statements.get(db)
  if (!cache) {
    cache = new Map()
    statements.set(db, cache)
  }
  const cached = cache.get(key)
  if (cached !== undefined) return cached as T
  if (cache.size >= MAX_PREPARED_SHAPES) return undefined
  const statement = prepare()
  cache.set(key, statement)
  return statement
}

/** How many statements `db` holds (for tests). */
export function preparedCount(db: Db): number {
  return statements.get(db)?.size ?? 0
}

/**
 * A placeholder whose value goes through `column`'s encoder, as a plain value does in an unprepared query (drizzle
 * encodes a bare placeholder only in `values()` and `set()`, not in a `where`). Null is bound as null without the
 * encoder, as drizzle does for plain values.
 */
export function placeholderFor(name: string, column: DriverValueEncoder<unknown, unknown>): SQL {
  const encoder: DriverValueEncoder<unknown, unknown> = {
    mapToDriverValue: (value) => (value === null ? null : column.mapToDriverValue(value)),
  }
  return sql`${sql.param(sql.placeholder(name), encoder)}`
}

/** Placeholders named after `names`, each through the encoder of the column of that name. */
export function placeholdersFor<K extends string>(
  columns: Record<K, DriverValueEncoder<unknown, unknown>>,
  names: readonly K[],
): Record<K, SQL> {
  return Object.fromEntries(names.map((name) => [name, placeholderFor(name, columns[name])])) as Record<
    K,
    SQL
  >
}

/**
 * The keys of `values` that are columns of `columns` and carry a value, sorted: the shape of an insert or update
 * (drizzle skips undefined values; an insert fills them with the column default).
 */
export function definedColumns<K extends string>(
  columns: Record<K, unknown>,
  values: Partial<Record<K, unknown>>,
  except?: K,
): K[] {
  const names: K[] = []
  for (const name in values) {
    if (name !== except && values[name] !== undefined && Object.hasOwn(columns, name)) names.push(name)
  }
  return names.sort()
}
