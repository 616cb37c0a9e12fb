import { eq, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { idempotencyRecords } from '../schema'

export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect

/**
 * Claims `key` for a request, in one statement: a new key, or one whose record expired, becomes `in_progress` for
 * this fingerprint. Returns whether we claimed it, and the existing record otherwise.
 */
export async function claimIdempotencyKey(
  db: Db,
  args: { key: string; fingerprint: string; now: number; expiresAt: number },
): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyRecord | undefined }> {
  const row = {
    key: args.key,
    fingerprint: args.fingerprint,
    state: 'in_progress' as const,
    status: null,
    headers: null,
    body: null,
    createdAt: args.now,
    expiresAt: args.expiresAt,
  }
  const claimed = await db
    .insert(idempotencyRecords)
    .values(row)
    .onConflictDoUpdate({
      target: idempotencyRecords.key,
      set: row,
      setWhere: sql`${idempotencyRecords.expiresAt} <= ${args.now}`,
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
