import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { type NewPayment, type Payment, type PaymentState, payments } from '../schema'

export type ReserveResult =
  | { reserved: true; payment: Payment }
  | { reserved: false; existing: Payment | undefined }

/**
 * Atomically claims (network, asset, payer, nonce). One statement: a fresh key inserts; a key whose earlier attempt was
 * `released` (never charged) is claimed again; any other existing row wins and nothing changes.
 */
export async function reservePayment(db: Db, row: NewPayment): Promise<ReserveResult> {
  const { id: _id, ...claim } = row
  const [payment] = await db
    .insert(payments)
    .values(row)
    .onConflictDoUpdate({
      target: [payments.network, payments.asset, payments.payer, payments.nonce],
      set: {
        ...claim,
        txHash: null,
        failureReason: null,
        verifiedAt: null,
        broadcastAt: null,
        settledAt: null,
      },
      setWhere: sql`${payments.state} = 'released'`,
    })
    .returning()
  if (payment) return { reserved: true, payment }
  const [existing] = await db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.network, row.network),
        eq(payments.asset, row.asset),
        eq(payments.payer, row.payer),
        eq(payments.nonce, row.nonce),
      ),
    )
  return { reserved: false, existing }
}

/**
 * Conditional state transition: applies only if the row is still in one of `from`. Returns the updated row, or
 * undefined when another actor moved it first (the caller must not proceed as if it had).
 */
export async function transitionPayment(
  db: Db,
  id: string,
  from: readonly PaymentState[],
  to: PaymentState,
  fields: Partial<Omit<NewPayment, 'id' | 'state'>> = {},
): Promise<Payment | undefined> {
  const [row] = await db
    .update(payments)
    .set({ ...fields, state: to, updatedAt: fields.updatedAt ?? Date.now() })
    .where(and(eq(payments.id, id), inArray(payments.state, [...from])))
    .returning()
  return row
}

export async function recordTxHash(
  db: Db,
  id: string,
  txHash: string,
  callIndex: number | null,
  at: number,
): Promise<void> {
  await db
    .update(payments)
    .set({ txHash, txCallIndex: callIndex, broadcastAt: at, updatedAt: at })
    .where(eq(payments.id, id))
}

/** Whether the payer has an optimistic payment that was served and never paid (it is refused until collected). */
export async function hasUnpaidPayment(db: Db, payer: string): Promise<boolean> {
  const [row] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.payer, payer), eq(payments.state, 'unpaid')))
    .limit(1)
  return row !== undefined
}

export async function getPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id))
  return row
}

/**
 * Rows the reconciler must look at: `pending`; `unpaid` (optimistic, served, not yet collected) while their
 * authorization can still be used (`validBefore` after `nowSeconds`); and `settling` rows older than `staleBefore`
 * (a crash mid-settlement).
 */
export async function listUnresolvedPayments(
  db: Db,
  staleBefore: number,
  limit = 100,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Payment[]> {
  return db
    .select()
    .from(payments)
    .where(
      sql`${payments.state} = 'pending' OR (${payments.state} = 'unpaid' AND ${payments.validBefore} > ${nowSeconds}) OR (${payments.state} = 'settling' AND ${payments.updatedAt} < ${staleBefore})`,
    )
    .orderBy(asc(payments.createdAt))
    .limit(limit)
}

/**
 * Reservations whose request never finished (a crash between reserve and settle): released in one conditional
 * statement, so a request that is still alive and moves its row first keeps it. Returns the released rows (with
 * `spendAt`, so their spend-limit holds can be given back).
 */
export async function releaseAbandonedReservations(
  db: Db,
  updatedBefore: number,
  now: number,
): Promise<Payment[]> {
  return db
    .update(payments)
    .set({ state: 'released', failureReason: 'abandoned_reservation', updatedAt: now })
    .where(and(inArray(payments.state, ['reserved', 'verified']), lt(payments.updatedAt, updatedBefore)))
    .returning()
}

export async function listPayments(
  db: Db,
  filter: { state?: PaymentState; payer?: string } = {},
): Promise<Payment[]> {
  const conditions = [
    filter.state ? eq(payments.state, filter.state) : undefined,
    filter.payer ? eq(payments.payer, filter.payer.toLowerCase()) : undefined,
  ].filter((c) => c !== undefined)
  return db
    .select()
    .from(payments)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(payments.createdAt))
}

/**
 * Claims the one delivery of a settled payment whose response never left (its settlement outlived the request). One
 * conditional statement, so concurrent retries cannot both be served.
 */
export async function claimDelivery(db: Db, id: string, at: number): Promise<boolean> {
  const rows = await db
    .update(payments)
    .set({ deliveredAt: at, updatedAt: at })
    .where(and(eq(payments.id, id), eq(payments.state, 'settled'), isNull(payments.deliveredAt)))
    .returning({ id: payments.id })
  return rows.length > 0
}

export async function unclaimDelivery(db: Db, id: string): Promise<void> {
  await db.update(payments).set({ deliveredAt: null }).where(eq(payments.id, id))
}
