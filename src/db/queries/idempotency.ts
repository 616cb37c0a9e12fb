import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { idempotencyRecords } from '../schema'

export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect

/**
 * Claims `key` for a request, in one statement: a new key, one whose record expired, or one left `in_progress` since
 * before `staleInProgressBefore` by a request that died (and held for no payment) becomes `in_progress` for this
 * fingerprint. Returns whether we claimed it, and the existing record otherwise.
 */
export async function claimIdempotencyKey(
  db: Db,
  args: { key: string; fingerprint: string; now: number; expiresAt: number; staleInProgressBefore: number },
): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord | undefined }> {
  const row = {
    key: args.key,
    fingerprint: args.fingerprint,
    state: 'in_progress' as const,
    status: null,
    headers: null,
    body: null,
    paymentId: null,
    createdAt: args.now,
    expiresAt: args.expiresAt,
  }
  const claimed = await db
    .insert(idempotencyRecords)
    .values(row)
    .onConflictDoUpdate({
      target: idempotencyRecords.key,
      set: row,
      setWhere: sql`${idempotencyRecords.expiresAt} <= ${args.now} OR (${idempotencyRecords.state} = 'in_progress'
        AND ${idempotencyRecords.paymentId} IS NULL AND ${idempotencyRecords.createdAt} <= ${args.staleInProgressBefore})`,
    })
    .returning({ key: idempotencyRecords.key })
  if (claimed.length > 0) return { claimed: true }
  const [existing] = await db.select().from(idempotencyRecords).where(eq(idempotencyRecords.key, args.key))
  return { claimed: false, existing }
}

export async function completeIdempotencyKey(
  db: Db,
  key: string,
  response: { status: number; headers: Record<string, string>; body: string },
): Promise<void> {
  await db
    .update(idempotencyRecords)
    .set({
      state: 'done',
      status: response.status,
      headers: JSON.stringify(response.headers),
      body: response.body,
    })
    .where(eq(idempotencyRecords.key, key))
}

/** The request's payment is still settling: the key stays `in_progress`, held for that payment. */
export async function holdIdempotencyKey(db: Db, key: string, paymentId: string): Promise<void> {
  await db
    .update(idempotencyRecords)
    .set({ paymentId })
    .where(and(eq(idempotencyRecords.key, key), eq(idempotencyRecords.state, 'in_progress')))
}

/** Keys still held for a payment that turned out not to be charged. */
export async function forgetIdempotencyKeysOfPayment(db: Db, paymentId: string): Promise<void> {
  await db
    .delete(idempotencyRecords)
    .where(and(eq(idempotencyRecords.paymentId, paymentId), eq(idempotencyRecords.state, 'in_progress')))
}

/** The request was not charged: forget the key so the client may retry with it. */
export async function forgetIdempotencyKey(db: Db, key: string): Promise<void> {
  await db.delete(idempotencyRecords).where(eq(idempotencyRecords.key, key))
}

/** Bounded storage: drop expired records, then the oldest beyond `maxRecords`. */
export async function pruneIdempotency(db: Db, now: number, maxRecords: number): Promise<void> {
  await db.delete(idempotencyRecords).where(sql`${idempotencyRecords.expiresAt} <= ${now}`)
  await db.run(sql`
    DELETE FROM idempotency_records WHERE key IN (
      SELECT key FROM idempotency_records ORDER BY created_at DESC LIMIT -1 OFFSET ${maxRecords}
    )`)
}
