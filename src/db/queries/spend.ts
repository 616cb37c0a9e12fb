import { and, eq, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { placeholderFor, preparedStatement } from '../prepared'
import { spendCounters, spendOverrides, spendPolicies } from '../schema'

/**
 * Adds `amount` to a window's counter only if the result stays within `cap`, in ONE statement (an upsert whose
 * update is conditional): concurrent callers can never push a counter over its cap. Returns the new total, or
 * undefined when the cap would be exceeded (nothing changed).
 */
export async function incrementWithinCap(
  db: Db,
  { scope, windowStart, amount, cap }: { scope: string; windowStart: number; amount: number; cap: number },
): Promise<number | undefined> {
  const rows = await db.all<{ used_micros: number }>(sql`
    INSERT INTO spend_counters (scope, window_start, used_micros)
    SELECT ${scope}, ${windowStart}, ${amount} WHERE ${amount} <= ${cap}
    ON CONFLICT (scope, window_start) DO UPDATE SET used_micros = spend_counters.used_micros + excluded.used_micros
    WHERE spend_counters.used_micros + excluded.used_micros <= ${cap}
    RETURNING used_micros`)
  return rows[0]?.used_micros
}

/**
 * Gives `amount` back to a window's counter; a counter back at zero is deleted (a refused payment from a fresh payer
 * leaves no row behind). Each statement is atomic on its own: an increment landing between them keeps its row, one
 * landing after the delete inserts a fresh one.
 */
export async function decrementCounter(
  db: Db,
  { scope, windowStart, amount }: { scope: string; windowStart: number; amount: number },
): Promise<void> {
  const window = and(eq(spendCounters.scope, scope), eq(spendCounters.windowStart, windowStart))
  await db
    .update(spendCounters)
    .set({ usedMicros: sql`max(0, ${spendCounters.usedMicros} - ${amount})` })
    .where(window)
  await db.delete(spendCounters).where(and(window, eq(spendCounters.usedMicros, 0)))
}

export async function getCounter(db: Db, scope: string, windowStart: number): Promise<number> {
  const [row] = await db
    .select({ used: spendCounters.usedMicros })
    .from(spendCounters)
    .where(and(eq(spendCounters.scope, scope), eq(spendCounters.windowStart, windowStart)))
  return row?.used ?? 0
}

const overrideQuery = (db: Db, payer: string | SQL) =>
  db.select().from(spendOverrides).where(eq(spendOverrides.payer, payer))

export async function getOverride(db: Db, payer: string) {
  const get = preparedStatement(db, 'spend.override', () =>
    overrideQuery(db, placeholderFor('payer', spendOverrides.payer)).prepare(),
  )
  const [row] = get ? await get.all({ payer }) : await overrideQuery(db, payer)
  return row
}

const policyQuery = (db: Db, payer: string | SQL) =>
  db.select().from(spendPolicies).where(eq(spendPolicies.payer, payer))

export async function getPolicy(db: Db, payer: string) {
  const get = preparedStatement(db, 'spend.policy', () =>
    policyQuery(db, placeholderFor('payer', spendPolicies.payer)).prepare(),
  )
  const [row] = get ? await get.all({ payer }) : await policyQuery(db, payer)
  return row
}

/**
 * Stores a payer policy only if its nonce is higher than the stored one (one conditional upsert: a replayed or
 * older policy changes nothing). Nonces are compared as zero-padded 78-digit strings (uint256).
 */
export async function upsertPolicyIfNewer(
  db: Db,
  policy: typeof spendPolicies.$inferInsert,
): Promise<boolean> {
  const rows = await db
    .insert(spendPolicies)
    .values(policy)
    .onConflictDoUpdate({
      target: spendPolicies.payer,
      set: {
        maxUsdMicrosPerCall: policy.maxUsdMicrosPerCall,
        maxUsdMicrosPerDay: policy.maxUsdMicrosPerDay,
        validUntil: policy.validUntil,
        nonce: policy.nonce,
        signature: policy.signature,
        updatedAt: policy.updatedAt,
      },
      setWhere: sql`${spendPolicies.nonce} < ${policy.nonce}`,
    })
    .returning({ payer: spendPolicies.payer })
  return rows.length > 0
}

/** Drops counters of windows that ended before `before` (unix seconds). */
export async function pruneCounters(db: Db, before: number): Promise<void> {
  await db.delete(spendCounters).where(sql`${spendCounters.windowStart} < ${before}`)
}
