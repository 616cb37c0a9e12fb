import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Stored outcomes of paid requests by idempotency key, so a retry gets the same answer without a new charge. */
export const idempotencyRecords = sqliteTable(
  'idempotency_records',
  {
    /** `<payer>|<key>`: keys are scoped to the payer that proved itself with a signed payment. */
    key: text('key').primaryKey(),
    /** sha256 over method, path, sorted query, body digest and payer. */
    fingerprint: text('fingerprint').notNull(),
    state: text('state', { enum: ['in_progress', 'done'] }).notNull(),
    status: integer('status'),
    /** JSON object of the response headers worth replaying (content type, settlement header). */
    headers: text('headers'),
    body: text('body'),
    /**
     * The payment whose settlement outlived its request (pending): the key stays held for it, so a retry with this key
     * can only redeem that payment, never buy the same request twice.
     */
    paymentId: text('payment_id'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('idempotency_expires_idx').on(t.expiresAt)],
)
