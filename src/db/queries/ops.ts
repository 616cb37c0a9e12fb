import { and, asc, count, countDistinct, eq, gte, inArray, lt, max, min, sql } from 'drizzle-orm'
import type { Interval } from '../../lib/candle'
import type { Db } from '../client'
import { dailyOhlcv, dataMeta, hourlyOhlcv, type PaymentState, payments } from '../schema'

/**
 * Read-side aggregates for the operator: what /metrics computes at scrape time and what the dashboard's time series
 * show, each one grouped statement. Money is summed as integers (never SQLite's float sum of text columns).
 */

export interface StateCount {
  state: PaymentState
  payments: number
}

/** Ledger rows per state (from the state index alone). */
export async function countPaymentsByState(db: Db): Promise<StateCount[]> {
  return db.select({ state: payments.state, payments: count() }).from(payments).groupBy(payments.state)
}

/** Integer micro-dollars of a ledger USD decimal string (at most 6 decimals are written; any more are cut). */
const microsOf = (column: typeof payments.usdValue | typeof payments.usdPrice) => sql`(CASE
  WHEN instr(${column}, '.') = 0 THEN CAST(${column} AS INTEGER) * 1000000
  ELSE CAST(substr(${column}, 1, instr(${column}, '.') - 1) AS INTEGER) * 1000000
    + CAST(substr(substr(${column}, instr(${column}, '.') + 1) || '000000', 1, 6) AS INTEGER)
END)`

/** An integer SQL sum as text, so no JavaScript number ever rounds it. */
const exactSum = (expr: ReturnType<typeof sql>) => sql<string>`CAST(coalesce(sum(${expr}), 0) AS TEXT)`

export interface AssetSum {
  network: string
  asset: string
  assetSymbol: string
  /** Set when grouped by day: `YYYY-MM-DD` (UTC) of the payment's creation. */
  day: string | null
  payments: number
  atomic: bigint
  usdValueMicros: bigint
  usdListMicros: bigint
}

export interface AssetSumQuery {
  /** `settled` for revenue; `settling` + `pending` for unsettled exposure. */
  states: readonly PaymentState[]
  /** Unix ms of creation, [from, to). */
  from?: number
  to?: number
  /** Also group by the UTC day of creation. */
  byDay?: boolean
}

/**
 * Payments and their amounts per asset (and per UTC day when asked), summed exactly inside SQLite in one statement:
 * atomic amounts are split into `high * 10^9 + low` so each part sums as a 64-bit integer without overflow (up to
 * hundreds of millions of payments) and comes back as text; USD strings become integer micro-dollars. Standard
 * SQLite functions only, so it runs on D1 too.
 */
export async function sumPaymentsByAsset(db: Db, query: AssetSumQuery): Promise<AssetSum[]> {
  const ranged = query.from !== undefined || query.to !== undefined
  const day = query.byDay ? sql<string>`date(${payments.createdAt} / 1000, 'unixepoch')` : sql<null>`NULL`
  const rows = await db
    .select({
      network: payments.network,
      asset: payments.asset,
      assetSymbol: payments.assetSymbol,
      day,
      payments: count(),
      high: exactSum(
        sql`CAST(substr(${payments.amount}, 1, max(length(${payments.amount}) - 9, 0)) AS INTEGER)`,
      ),
      low: exactSum(sql`CAST(substr(${payments.amount}, -9) AS INTEGER)`),
      usdValueMicros: exactSum(microsOf(payments.usdValue)),
      usdListMicros: exactSum(microsOf(payments.usdPrice)),
    })
    .from(payments)
    .where(
      and(
        ranged
          ? // Unary + keeps SQLite on the created_at index for a window instead of scanning every row of a state.
            sql`+${payments.state} IN (${sql.join(
              query.states.map((state) => sql`${state}`),
              sql`, `,
            )})`
          : inArray(payments.state, [...query.states]),
        query.from !== undefined ? gte(payments.createdAt, query.from) : undefined,
        query.to !== undefined ? lt(payments.createdAt, query.to) : undefined,
      ),
    )
    .groupBy(day, payments.network, payments.asset, payments.assetSymbol)
    .orderBy(asc(day), asc(payments.assetSymbol), asc(payments.asset))
  return rows.map(({ high, low, usdValueMicros, usdListMicros, ...row }) => ({
    ...row,
    atomic: BigInt(high) * 1_000_000_000n + BigInt(low),
    usdValueMicros: BigInt(usdValueMicros),
    usdListMicros: BigInt(usdListMicros),
  }))
}

/** Creation time of the oldest payment whose outcome is still open (reserved, verified, settling, pending). */
export async function oldestOpenPaymentCreatedAt(db: Db): Promise<number | null> {
  const [row] = await db
    .select({ at: min(payments.createdAt) })
    .from(payments)
    .where(inArray(payments.state, ['reserved', 'verified', 'settling', 'pending']))
  return row?.at ?? null
}

export type Bucket = 'hour' | 'day'
const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 }

export interface BucketStateCount {
  /** Bucket start, unix ms (UTC). */
  start: number
  state: PaymentState
  payments: number
}

/** Ledger rows created per hour or day and state, in [from, to). */
export async function countPaymentsPerBucket(
  db: Db,
  range: { from: number; to: number; bucket: Bucket },
): Promise<BucketStateCount[]> {
  // Our constant, inlined so SQLite divides integers (a bound parameter may arrive as a REAL).
  const size = sql.raw(String(BUCKET_MS[range.bucket]))
  const start = sql<number>`(${payments.createdAt} / ${size}) * ${size}`
  return db
    .select({ start, state: payments.state, payments: count() })
    .from(payments)
    .where(and(gte(payments.createdAt, range.from), lt(payments.createdAt, range.to)))
    .groupBy(start, payments.state)
    .orderBy(asc(start), asc(payments.state))
}

export interface ReasonCount {
  reason: string
  payments: number
}

/** Payments reserved and then not charged (`released`), per recorded reason, in [from, to). */
export async function countReleasedByReason(
  db: Db,
  range: { from?: number; to?: number },
): Promise<ReasonCount[]> {
  const reason = sql<string>`coalesce(${payments.failureReason}, 'unknown')`
  return db
    .select({ reason, payments: count() })
    .from(payments)
    .where(
      and(
        eq(payments.state, 'released'),
        range.from !== undefined ? gte(payments.createdAt, range.from) : undefined,
        range.to !== undefined ? lt(payments.createdAt, range.to) : undefined,
      ),
    )
    .groupBy(reason)
    .orderBy(sql`count(*) desc`, asc(reason))
}

export interface CandleSummary {
  interval: Interval
  /** Newest bar's key (`YYYY-MM-DD` or ISO hour), null when the interval holds nothing. */
  newest: string | null
  symbols: number
  candles: number
}

/** How much market data an interval holds and how recent it is. */
export async function summariseCandles(db: Db, interval: Interval): Promise<CandleSummary> {
  const table = interval === '1d' ? dailyOhlcv : hourlyOhlcv
  const [row] = await db
    .select({ newest: max(table.time), symbols: countDistinct(table.symbol), candles: count() })
    .from(table)
  return { interval, newest: row?.newest ?? null, symbols: row?.symbols ?? 0, candles: row?.candles ?? 0 }
}

/**
 * Proves the database takes writes (disk not full, file not read-only, not locked for long): one upsert of a
 * probe row that nothing else reads.
 */
export async function writeReadinessProbe(db: Db, at: number): Promise<void> {
  await db
    .insert(dataMeta)
    .values({ key: 'ops.ready_probe', value: String(at) })
    .onConflictDoUpdate({ target: dataMeta.key, set: { value: String(at) } })
}
