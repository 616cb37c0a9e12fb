import { and, asc, count, desc, eq, getTableColumns, gte, lte, max, sql } from 'drizzle-orm'
import type { Candle, Interval } from '../../lib/candle'
import { type Db, databaseTraits, rowsPerStatement } from '../database'
import {
  dailyOhlcv,
  dataMeta,
  hourlyOhlcv,
  ingestCursors,
  type NewToken,
  type Token,
  tokens,
} from '../schema'

const tableFor = (interval: Interval) => (interval === '1d' ? dailyOhlcv : hourlyOhlcv)

/**
 * Rows per multi-row INSERT. Kept small enough for SQLite's bound-parameter limit; each statement is atomic on its own
 * and idempotent (upsert), so an interrupted import can simply be re-run.
 */
export const UPSERT_CHUNK_ROWS = 500
/** Bound parameters per row of a multi-row insert: at most one per column (D1 allows 100 per statement). */
const columnCount = (table: typeof dailyOhlcv | typeof hourlyOhlcv | typeof tokens) =>
  Object.keys(getTableColumns(table)).length

export async function upsertCandles(
  db: Db,
  { interval, candles, source }: { interval: Interval; candles: Candle[]; source: string },
): Promise<number> {
  const table = tableFor(interval)
  const rows = rowsPerStatement(db, columnCount(table), UPSERT_CHUNK_ROWS)
  for (let start = 0; start < candles.length; start += rows) {
    const chunk = candles.slice(start, start + rows).map((c) => ({ ...c, source }))
    await db
      .insert(table)
      .values(chunk)
      .onConflictDoUpdate({
        target: [table.symbol, table.time],
        set: {
          open: sql`excluded.open`,
          high: sql`excluded.high`,
          low: sql`excluded.low`,
          close: sql`excluded.close`,
          volume: sql`excluded.volume`,
          marketCap: sql`coalesce(excluded.market_cap, ${table.marketCap})`,
          source: sql`excluded.source`,
        },
      })
  }
  return candles.length
}

export async function upsertTokens(db: Db, rows: NewToken[]): Promise<number> {
  const perStatement = rowsPerStatement(db, columnCount(tokens), UPSERT_CHUNK_ROWS)
  for (let start = 0; start < rows.length; start += perStatement) {
    await db
      .insert(tokens)
      .values(rows.slice(start, start + perStatement))
      .onConflictDoUpdate({
        target: tokens.symbol,
        set: {
          name: sql`excluded.name`,
          category: sql`excluded.category`,
          subcategory: sql`excluded.subcategory`,
          assetType: sql`excluded.asset_type`,
          homeChain: sql`excluded.home_chain`,
          contractAddress: sql`excluded.contract_address`,
          coingeckoId: sql`excluded.coingecko_id`,
        },
      })
  }
  return rows.length
}

export async function listTokens(db: Db): Promise<Token[]> {
  return db.select().from(tokens).orderBy(asc(tokens.symbol))
}

/** The columns that make a Candle, selected from either OHLCV table. */
const candleColumns = (table: typeof dailyOhlcv | typeof hourlyOhlcv) => ({
  symbol: table.symbol,
  time: table.time,
  open: table.open,
  high: table.high,
  low: table.low,
  close: table.close,
  volume: table.volume,
  marketCap: table.marketCap,
})

export interface CandleQuery {
  symbol: string
  interval: Interval
  from?: string
  to?: string
  /** Newest `limit` bars when set (returned ascending). */
  limit?: number
  offset?: number
}

export async function getCandles(db: Db, query: CandleQuery): Promise<Candle[]> {
  const table = tableFor(query.interval)
  const where = and(
    eq(table.symbol, query.symbol),
    query.from ? gte(table.time, query.from) : undefined,
    query.to ? lte(table.time, query.to) : undefined,
  )
  const rows = await db
    .select(candleColumns(table))
    .from(table)
    .where(where)
    .orderBy(desc(table.time))
    .limit(query.limit ?? -1)
    .offset(query.offset ?? 0)
  return rows.reverse()
}

/** Every stored candle of an interval, grouped by symbol, ascending. For whole-universe analytics. */
export async function getAllCandles(db: Db, interval: Interval): Promise<Map<string, Candle[]>> {
  const table = tableFor(interval)
  const rows = await db.select(candleColumns(table)).from(table).orderBy(asc(table.symbol), asc(table.time))
  const bySymbol = new Map<string, Candle[]>()
  for (const row of rows) {
    const list = bySymbol.get(row.symbol)
    if (list) list.push(row)
    else bySymbol.set(row.symbol, [row])
  }
  return bySymbol
}

export async function countCandles(db: Db, interval: Interval, symbol?: string): Promise<number> {
  const table = tableFor(interval)
  const [row] = await db
    .select({ n: count() })
    .from(table)
    .where(symbol ? eq(table.symbol, symbol) : undefined)
  return row?.n ?? 0
}

/** How many bars of an interval came from `source` (e.g. the synthetic demo dataset). */
export async function countCandlesFromSource(db: Db, interval: Interval, source: string): Promise<number> {
  const table = tableFor(interval)
  const [row] = await db.select({ n: count() }).from(table).where(eq(table.source, source))
  return row?.n ?? 0
}

/** Deletes every bar of an interval that came from `source` (one statement). */
export async function deleteCandlesFromSource(db: Db, interval: Interval, source: string): Promise<void> {
  const table = tableFor(interval)
  await db.delete(table).where(eq(table.source, source))
}

/** The distinct sources of all stored bars, daily and hourly, sorted. */
export async function candleSources(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ source: dailyOhlcv.source })
    .from(dailyOhlcv)
    .union(db.selectDistinct({ source: hourlyOhlcv.source }).from(hourlyOhlcv))
  return rows.map((r) => r.source).sort()
}

export async function latestCandleTime(db: Db, interval: Interval): Promise<string | null> {
  const table = tableFor(interval)
  const [row] = await db.select({ t: max(table.time) }).from(table)
  return row?.t ?? null
}

export async function getMeta(db: Db, key: string): Promise<string | undefined> {
  const [row] = await db.select().from(dataMeta).where(eq(dataMeta.key, key))
  return row?.value
}

export async function setMeta(db: Db, key: string, value: string): Promise<void> {
  await db
    .insert(dataMeta)
    .values({ key, value })
    .onConflictDoUpdate({ target: dataMeta.key, set: { value } })
}

/**
 * Records that bars from `source` were stored: the label becomes `source` when there was none, stays when it is the
 * same, and becomes 'mixed' otherwise. One statement, so concurrent writers (isolates, processes) cannot race it.
 */
export async function mergeDataSource(db: Db, source: string): Promise<void> {
  await db
    .insert(dataMeta)
    .values({ key: 'data_source', value: source })
    .onConflictDoUpdate({
      target: dataMeta.key,
      set: {
        value: sql`case when ${dataMeta.value} = excluded.value then ${dataMeta.value} else 'mixed' end`,
      },
    })
}

export async function deleteMeta(db: Db, key: string): Promise<void> {
  await db.delete(dataMeta).where(eq(dataMeta.key, key))
}

/** The market-data version row (0 before the first write): the one source of truth shared by every process. */
export async function getDataVersion(db: Db): Promise<number> {
  return Number((await getMeta(db, 'data_version')) ?? 0)
}

const DATA_VERSION_PRAGMA = sql`PRAGMA data_version`

/** The better-sqlite3 connection under a drizzle database, if that is the driver (`$client`). */
interface SyncSqliteClient {
  prepare(source: string): { pluck?: () => { get(): unknown } }
}
/** Per connection: the prepared reader, or null when the driver has no synchronous statements (D1). */
const countersByClient = new WeakMap<object, (() => number | undefined) | null>()

/**
 * The change counter through one prepared statement of the synchronous SQLite driver: it is read on every request
 * (the data version gates the result cache), and preparing it through the query builder each time cost ~40 µs.
 */
function preparedCounter(db: Db): (() => number | undefined) | undefined {
  const client = (db as { $client?: unknown }).$client as SyncSqliteClient | undefined
  if (!client || typeof client.prepare !== 'function') return undefined
  let read = countersByClient.get(client)
  if (read === undefined) {
    let statement: { get(): unknown } | undefined
    try {
      const prepared = client.prepare('PRAGMA data_version')
      statement = typeof prepared.pluck === 'function' ? prepared.pluck() : undefined
    } catch {
      statement = undefined
    }
    read = statement
      ? () => {
          const value = statement.get()
          return typeof value === 'number' ? value : undefined
        }
      : null
    countersByClient.set(client, read)
  }
  return read ?? undefined
}

/**
 * SQLite's `PRAGMA data_version`: a per-connection counter that changes when another connection (or process) commits
 * to the file, so an unchanged value proves that nobody else wrote. `undefined` where the database has no such
 * pragma (Cloudflare D1), so callers fall back to re-reading the version row.
 */
export async function externalChangeCounter(db: Db): Promise<number | undefined> {
  if (!databaseTraits(db).hasChangeCounter) return undefined
  const direct = preparedCounter(db)
  if (direct) return direct()
  try {
    const [row] = await db.all<{ data_version?: unknown }>(DATA_VERSION_PRAGMA)
    return typeof row?.data_version === 'number' ? row.data_version : undefined
  } catch {
    return undefined
  }
}

/** Bumps the market-data version (one atomic statement) so caches keyed on it invalidate. */
export async function bumpDataVersion(db: Db): Promise<number> {
  const [row] = await db
    .insert(dataMeta)
    .values({ key: 'data_version', value: '1' })
    .onConflictDoUpdate({
      target: dataMeta.key,
      set: { value: sql`cast(cast(${dataMeta.value} as integer) + 1 as text)` },
    })
    .returning()
  return Number(row?.value ?? 1)
}

/** Where ingestion of one (source, symbol, interval) stopped. */
export interface CursorKey {
  source: string
  symbol: string
  interval: Interval
}

export async function getCursor(db: Db, { source, symbol, interval }: CursorKey): Promise<string | null> {
  const [row] = await db
    .select()
    .from(ingestCursors)
    .where(
      and(
        eq(ingestCursors.source, source),
        eq(ingestCursors.symbol, symbol),
        eq(ingestCursors.interval, interval),
      ),
    )
  return row?.lastTime ?? null
}

export async function setCursor(
  db: Db,
  { source, symbol, interval, lastTime }: CursorKey & { lastTime: string },
): Promise<void> {
  const updatedAt = new Date().toISOString()
  await db
    .insert(ingestCursors)
    .values({ source, symbol, interval, lastTime, updatedAt })
    .onConflictDoUpdate({
      target: [ingestCursors.source, ingestCursors.symbol, ingestCursors.interval],
      set: { lastTime, updatedAt },
    })
}
