import { and, asc, count, countDistinct, eq, gte, inArray, lt, max, sql } from 'drizzle-orm'
import type { Interval } from '../../lib/candle'
import type { Db } from '../client'
import { dailyOhlcv, dataMeta, hourlyOhlcv, type PaymentState, payments } from '../schema'

/**
 * Read-side aggregates for the operator: what /metrics computes at scrape time and what the dashboard's time series
 * show. Counts are grouped in SQL; money columns are returned as rows and summed exactly (bigint) by the caller,
 * because SQLite would sum text amounts as floats.
 */

export interface StateCount {
  state: PaymentState
  assetSymbol: string
  payments: number
}

/** Ledger rows per state and asset. */
export async function countPaymentsByState(db: Db): Promise<StateCount[]> {
  return db
    .select({ state: payments.state, assetSymbol: payments.assetSymbol, payments: count() })
    .from(payments)
    .groupBy(payments.state, payments.assetSymbol)
}

export interface MoneyRow {
  network: string
  asset: string
  assetSymbol: string
  /** Atomic units, integer string. */
  amount: string
  /** Decimal strings. */
  usdValue: string
  usdPrice: string
}

const moneyColumns = {
  network: payments.network,
  asset: payments.asset,
  assetSymbol: payments.assetSymbol,
  amount: payments.amount,
  usdValue: payments.usdValue,
  usdPrice: payments.usdPrice,
}

/** Broadcast (or being broadcast) but not yet known to have paid us: `settling` and `pending` rows. */
export async function listUnsettledPayments(db: Db): Promise<MoneyRow[]> {
  return db
    .select(moneyColumns)
    .from(payments)
    .where(inArray(payments.state, ['settling', 'pending']))
}

/** When a settled row became settled (older rows may lack settled_at). */
const settledTime = sql<number>`coalesce(${payments.settledAt}, ${payments.updatedAt})`

export interface SettledPosition {
  settledAt: number
  id: string
}

export type SettledRow = MoneyRow & SettledPosition

/** Settled rows in the order they settled, after `after`, one page at a time (for running revenue totals). */
export async function listSettledSince(
  db: Db,
  after: SettledPosition | undefined,
  limit: number,
): Promise<SettledRow[]> {
  return db
    .select({ ...moneyColumns, id: payments.id, settledAt: settledTime })
    .from(payments)
    .where(
      and(
        eq(payments.state, 'settled'),
        after
          ? sql`(${settledTime} > ${after.settledAt} OR (${settledTime} = ${after.settledAt} AND ${payments.id} > ${after.id}))`
          : undefined,
      ),
    )
    .orderBy(asc(settledTime), asc(payments.id))
    .limit(limit)
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
    .orderBy(asc(start))
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
