import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import type { Db } from '../client'
import { type PaymentState, payments, spendOverrides } from '../schema'
import {
  type AdminAuditAction,
  type AdminKey,
  adminAudit,
  adminKeys,
  type NewAdminKey,
} from '../schema/admin'

// ---- admin keys -------------------------------------------------------------------------------------------------

const { secretHash: _secretHash, ...publicKeyColumns } = getTableColumns(adminKeys)
/** A key row without its hash: the only shape that leaves this module except for authentication. */
export type AdminKeyInfo = Omit<AdminKey, 'secretHash'>

export async function insertAdminKey(db: Db, row: NewAdminKey): Promise<void> {
  await db.insert(adminKeys).values(row)
}

/** The full row, hash included: for authentication only. */
export async function findAdminKeyForAuth(db: Db, id: string): Promise<AdminKey | undefined> {
  const [row] = await db.select().from(adminKeys).where(eq(adminKeys.id, id))
  return row
}

export async function getAdminKeyInfo(db: Db, id: string): Promise<AdminKeyInfo | undefined> {
  const [row] = await db.select(publicKeyColumns).from(adminKeys).where(eq(adminKeys.id, id))
  return row
}

export async function listAdminKeys(db: Db): Promise<AdminKeyInfo[]> {
  return db.select(publicKeyColumns).from(adminKeys).orderBy(asc(adminKeys.createdAt), asc(adminKeys.id))
}

/** Revokes a key that is not yet revoked; undefined when there is no such key or it was already revoked. */
export async function markAdminKeyRevoked(db: Db, id: string, at: number): Promise<AdminKeyInfo | undefined> {
  const [row] = await db
    .update(adminKeys)
    .set({ revokedAt: at })
    .where(and(eq(adminKeys.id, id), isNull(adminKeys.revokedAt)))
    .returning(publicKeyColumns)
  return row
}

/**
 * Records a use, in the same statement that re-checks the key is still live: a revoke that lands between the
 * lookup and this update wins (false: refuse the request).
 */
export async function touchAdminKey(db: Db, id: string, at: number): Promise<boolean> {
  const rows = await db
    .update(adminKeys)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(adminKeys.id, id),
        isNull(adminKeys.revokedAt),
        or(isNull(adminKeys.expiresAt), gt(adminKeys.expiresAt, at)),
      ),
    )
    .returning({ id: adminKeys.id })
  return rows.length > 0
}

// ---- audit ------------------------------------------------------------------------------------------------------

export interface AdminAuditEntry {
  at: number
  keyId: string | null
  action: AdminAuditAction
  detail: Record<string, unknown>
  ip: string | null
}

/** Appends an entry; returns its row id. */
export async function insertAdminAudit(db: Db, entry: AdminAuditEntry): Promise<number> {
  const [row] = await db
    .insert(adminAudit)
    .values({ ...entry, detail: JSON.stringify(entry.detail) })
    .returning({ id: adminAudit.id })
  return row!.id
}

/** Rewrites a summary entry that is still counting (the per-minute `auth.denied` rows). */
export async function updateAdminAuditSummary(
  db: Db,
  id: number,
  entry: Pick<AdminAuditEntry, 'keyId' | 'detail'>,
): Promise<void> {
  await db
    .update(adminAudit)
    .set({ keyId: entry.keyId, detail: JSON.stringify(entry.detail) })
    .where(and(eq(adminAudit.id, id), eq(adminAudit.action, 'auth.denied')))
}

/** Newest first. */
export async function listAdminAudit(db: Db, limit: number) {
  return db.select().from(adminAudit).orderBy(desc(adminAudit.id)).limit(limit)
}

// ---- ledger search (read-only) ----------------------------------------------------------------------------------

const { payload: _payload, ...ledgerColumns } = getTableColumns(payments)
/** A ledger row without the signed payload. */
export type LedgerRow = Omit<typeof payments.$inferSelect, 'payload'>

export interface PagePosition {
  createdAt: number
  id: string
}

export interface PaymentSearch {
  payer?: string
  route?: string
  /** Lower-case token address. */
  asset?: string
  /** Token symbol, matched case-insensitively. */
  assetSymbol?: string
  states?: readonly PaymentState[]
  /** The recorded failure or release reason, exactly. */
  failureReason?: string
  /** Unix ms, inclusive. */
  from?: number
  /** Unix ms, exclusive. */
  to?: number
  limit: number
  /** Continue after this row (newest-first order). */
  after?: PagePosition
}

/** Newest first, keyset-paged on (created_at, id) so every row appears exactly once across pages. */
export async function searchPayments(
  db: Db,
  search: PaymentSearch,
): Promise<{ rows: LedgerRow[]; next: PagePosition | undefined }> {
  const { after } = search
  const conditions = [
    search.payer ? eq(payments.payer, search.payer) : undefined,
    search.route ? eq(payments.route, search.route) : undefined,
    search.asset ? eq(sql`lower(${payments.asset})`, search.asset) : undefined,
    search.assetSymbol
      ? eq(sql`upper(${payments.assetSymbol})`, search.assetSymbol.toUpperCase())
      : undefined,
    search.states?.length ? inArray(payments.state, [...search.states]) : undefined,
    search.failureReason !== undefined ? eq(payments.failureReason, search.failureReason) : undefined,
    search.from !== undefined ? gte(payments.createdAt, search.from) : undefined,
    search.to !== undefined ? lt(payments.createdAt, search.to) : undefined,
    after
      ? or(
          lt(payments.createdAt, after.createdAt),
          and(eq(payments.createdAt, after.createdAt), lt(payments.id, after.id)),
        )
      : undefined,
  ].filter((c) => c !== undefined)
  // One extra row tells whether another page exists.
  const rows = await db
    .select(ledgerColumns)
    .from(payments)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(search.limit + 1)
  const page = rows.slice(0, search.limit)
  const last = page.at(-1)
  return {
    rows: page,
    next: rows.length > search.limit && last ? { createdAt: last.createdAt, id: last.id } : undefined,
  }
}

/** The columns revenue needs, of settled payments only, oldest first, one page at a time. */
export async function listSettledPaymentsPage(
  db: Db,
  { from, to, after, limit }: { from?: number; to?: number; after?: PagePosition; limit: number },
) {
  const conditions = [
    eq(payments.state, 'settled'),
    from !== undefined ? gte(payments.createdAt, from) : undefined,
    to !== undefined ? lt(payments.createdAt, to) : undefined,
    after
      ? or(
          gt(payments.createdAt, after.createdAt),
          and(eq(payments.createdAt, after.createdAt), gt(payments.id, after.id)),
        )
      : undefined,
  ].filter((c) => c !== undefined)
  return db
    .select({
      id: payments.id,
      createdAt: payments.createdAt,
      route: payments.route,
      network: payments.network,
      asset: payments.asset,
      assetSymbol: payments.assetSymbol,
      amount: payments.amount,
      usdPrice: payments.usdPrice,
      usdValue: payments.usdValue,
    })
    .from(payments)
    .where(and(...conditions))
    .orderBy(asc(payments.createdAt), asc(payments.id))
    .limit(limit)
}

// ---- spend overrides --------------------------------------------------------------------------------------------

export type SpendOverride = typeof spendOverrides.$inferSelect

/** Replaces a payer's override in one upsert. */
export async function putSpendOverride(db: Db, row: SpendOverride): Promise<SpendOverride> {
  const { payer: _payer, ...fields } = row
  const [stored] = await db
    .insert(spendOverrides)
    .values(row)
    .onConflictDoUpdate({ target: spendOverrides.payer, set: fields })
    .returning()
  return stored!
}

export async function deleteSpendOverride(db: Db, payer: string): Promise<SpendOverride | undefined> {
  const [row] = await db.delete(spendOverrides).where(eq(spendOverrides.payer, payer)).returning()
  return row
}
