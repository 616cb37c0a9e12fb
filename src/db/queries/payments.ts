import { and, asc, eq, getTableColumns, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { definedColumns, placeholderFor, placeholdersFor, preparedStatement } from '../prepared'
import { type NewPayment, type Payment, type PaymentState, payments } from '../schema'

/**
 * The payload of a row that was never charged (`released`): the client's signed payment is not kept once nothing can
 * come of it, so junk payments leave only the row's own fixed-size columns behind.
 */
export const NO_PAYLOAD = ''

export type ReserveResult =
  | { reserved: true; payment: Payment }
  | { reserved: false; existing: Payment | undefined }

/** A row whose values may also be placeholders: each hot query below is built from one, prepared or not. */
type Bindable<T> = { [K in keyof T]: T[K] | SQL }

const columns = getTableColumns(payments)
/** The placeholder of a transition's `where id = ?`: a name no column has, so its fields may still set `id`. */
const ID = 'where.id'

const reserveQuery = (db: Db, row: Bindable<NewPayment>) => {
  const { id: _id, ...claim } = row
  return db
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
}

const selectByAuthorization = (
  db: Db,
  key: Bindable<Pick<NewPayment, 'network' | 'asset' | 'payer' | 'nonce'>>,
) =>
  db
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.network, key.network),
        eq(payments.asset, key.asset),
        eq(payments.payer, key.payer),
        eq(payments.nonce, key.nonce),
      ),
    )

/**
 * Atomically claims (network, asset, payer, nonce). One statement: a fresh key inserts; a key whose earlier attempt was
 * `released` (never charged) is claimed again; any other existing row wins and nothing changes.
 */
export async function reservePayment(db: Db, row: NewPayment): Promise<ReserveResult> {
  const names = definedColumns(columns, row)
  const reserve = preparedStatement(db, `payments.reserve ${names.join(',')}`, () =>
    reserveQuery(db, placeholdersFor(columns, names) as Bindable<NewPayment>).prepare(),
  )
  const [payment] = reserve ? await reserve.all(row) : await reserveQuery(db, row)
  if (payment) return { reserved: true, payment }
  const select = preparedStatement(db, 'payments.byAuthorization', () =>
    selectByAuthorization(db, placeholdersFor(columns, ['network', 'asset', 'payer', 'nonce'])).prepare(),
  )
  const [existing] = select ? await select.all(row) : await selectByAuthorization(db, row)
  return { reserved: false, existing }
}

const transitionQuery = (
  db: Db,
  {
    id,
    from,
    set,
  }: { id: string | SQL; from: readonly PaymentState[]; set: Bindable<Partial<Omit<NewPayment, 'id'>>> },
) =>
  db
    .update(payments)
    .set(set)
    .where(and(eq(payments.id, id), inArray(payments.state, [...from])))
    .returning()

/** A row's move from one of `from` to `to`, setting `fields` with it. */
export interface PaymentTransition {
  id: string
  from: readonly PaymentState[]
  to: PaymentState
  fields?: Partial<Omit<NewPayment, 'id' | 'state'>>
}

/**
 * Conditional state transition: applies only if the row is still in one of `from`. Returns the updated row, or
 * undefined when another actor moved it first (the caller must not proceed as if it had).
 */
export async function transitionPayment(db: Db, transition: PaymentTransition): Promise<Payment | undefined> {
  const { id, from, to, fields = {} } = transition
  const set = { ...fields, state: to, updatedAt: fields.updatedAt ?? Date.now() }
  // The states stay literal (bound constants): they are part of the shape, with the names of the fields set.
  const names = definedColumns(columns, set, 'state')
  const prepared = preparedStatement(
    db,
    `payments.transition ${to} ${from.join(',')} ${names.join(',')}`,
    () =>
      transitionQuery(db, {
        id: placeholderFor(ID, payments.id),
        from,
        set: { ...placeholdersFor(columns, names), state: to },
      }).prepare(),
  )
  const [row] = prepared
    ? await prepared.all({ ...set, [ID]: id })
    : await transitionQuery(db, { id, from, set })
  return row
}

type TxHashFields = Pick<Payment, 'id' | 'txHash' | 'txCallIndex' | 'broadcastAt' | 'updatedAt'>

const recordTxHashQuery = (db: Db, { id, ...set }: Bindable<TxHashFields>) =>
  db.update(payments).set(set).where(eq(payments.id, id))

/** Stores the settlement transaction of payment `id` (and its call in it, when batched), broadcast `at`. */
export async function recordTxHash(
  db: Db,
  { id, txHash, callIndex, at }: { id: string; txHash: string; callIndex: number | null; at: number },
): Promise<void> {
  const values: TxHashFields = { id, txHash, txCallIndex: callIndex, broadcastAt: at, updatedAt: at }
  const record = preparedStatement(db, 'payments.recordTxHash', () =>
    recordTxHashQuery(
      db,
      placeholdersFor(columns, ['id', 'txHash', 'txCallIndex', 'broadcastAt', 'updatedAt']),
    ).prepare(),
  )
  if (record) await record.run(values)
  else await recordTxHashQuery(db, values)
}

const unpaidQuery = (db: Db, payer: string | SQL) =>
  db
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.payer, payer), eq(payments.state, 'unpaid')))
    .limit(1)

/** Whether the payer has an optimistic payment that was served and never paid (it is refused until collected). */
export async function hasUnpaidPayment(db: Db, payer: string): Promise<boolean> {
  const unpaid = preparedStatement(db, 'payments.hasUnpaid', () =>
    unpaidQuery(db, placeholderFor('payer', payments.payer)).prepare(),
  )
  const [row] = unpaid ? await unpaid.all({ payer }) : await unpaidQuery(db, payer)
  return row !== undefined
}

const paymentQuery = (db: Db, id: string | SQL) => db.select().from(payments).where(eq(payments.id, id))

export async function getPayment(db: Db, id: string): Promise<Payment | undefined> {
  const get = preparedStatement(db, 'payments.get', () =>
    paymentQuery(db, placeholderFor('id', payments.id)).prepare(),
  )
  const [row] = get ? await get.all({ id }) : await paymentQuery(db, id)
  return row
}

/**
 * Rows the reconciler must look at: `pending`; `unpaid` (optimistic, served, not yet collected) while their
 * authorization can still be used (`validBefore` after `nowSeconds`); and `settling` rows older than `staleBefore`
 * (a crash mid-settlement).
 */
export async function listUnresolvedPayments(
  db: Db,
  {
    staleBefore,
    limit = 100,
    nowSeconds = Math.floor(Date.now() / 1000),
  }: { staleBefore: number; limit?: number; nowSeconds?: number },
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
    .set({ state: 'released', failureReason: 'abandoned_reservation', payload: NO_PAYLOAD, updatedAt: now })
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

/**
 * Deletes up to `limit` `released` rows last touched before `updatedBefore` (never charged, past their retention) in
 * one statement; returns how many went. Rows of any other state are the ledger and are never pruned.
 */
export async function pruneReleasedPayments(db: Db, updatedBefore: number, limit: number): Promise<number> {
  const oldest = db
    .select({ id: payments.id })
    .from(payments)
    .where(and(eq(payments.state, 'released'), lt(payments.updatedAt, updatedBefore)))
    .limit(limit)
  const deleted = await db.delete(payments).where(inArray(payments.id, oldest)).returning({ id: payments.id })
  return deleted.length
}
