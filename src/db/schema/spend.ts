import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * USD amounts in the spend tables are integer micro-dollars (1 = $0.000001): enough for every list price and TMAI's
 * discounted value, and exact.
 */

/** Usage per limit scope and time window, moved only by conditional single-statement upserts. */
export const spendCounters = sqliteTable(
  'spend_counters',
  {
    /** e.g. `payer-hour:0xabc…`, `payer-day:0xabc…`, `endpoint-day:/v1/correlation`. */
    scope: text('scope').notNull(),
    /** Window start, unix seconds. */
    windowStart: integer('window_start').notNull(),
    usedMicros: integer('used_micros').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.windowStart] })],
)

/** Operator overrides per payer (set through the admin API); null fields fall back to the defaults. */
export const spendOverrides = sqliteTable('spend_overrides', {
  payer: text('payer').primaryKey(),
  maxUsdMicrosPerCall: integer('max_usd_micros_per_call'),
  maxUsdMicrosPerHour: integer('max_usd_micros_per_hour'),
  maxUsdMicrosPerDay: integer('max_usd_micros_per_day'),
  note: text('note'),
  updatedAt: integer('updated_at').notNull(),
})

/** Payer-signed EIP-712 SpendPolicy: stricter caps chosen by the payer itself. */
export const spendPolicies = sqliteTable('spend_policies', {
  payer: text('payer').primaryKey(),
  maxUsdMicrosPerCall: integer('max_usd_micros_per_call').notNull(),
  maxUsdMicrosPerDay: integer('max_usd_micros_per_day').notNull(),
  /** Unix seconds. */
  validUntil: integer('valid_until').notNull(),
  /** Highest nonce accepted so far (decimal string; uint256). */
  nonce: text('nonce').notNull(),
  signature: text('signature').notNull(),
  updatedAt: integer('updated_at').notNull(),
})
