/**
 * The hot ledger queries run as prepared statements, cached per database. The same calls on a database whose cache is
 * full (so every query is built anew, as before) must return the same rows and leave the same ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ledgerRow } from '../../../test/helpers/ledger-rows'
import { Ledger } from '../../payments/ledger'
import { openSqliteDb } from '../client'
import type { Db } from '../database'
import { MAX_PREPARED_SHAPES, preparedCount, preparedStatement } from '../prepared'
import { type NewPayment, payments, spendOverrides, spendPolicies } from '../schema'
import {
  getPayment,
  hasUnpaidPayment,
  listPayments,
  recordTxHash,
  reservePayment,
  transitionPayment,
} from './payments'
import { getOverride, getPolicy } from './spend'

const dirs: string[] = []
const handles: { close(): void }[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh SQLite file with the app's migrations, as the server opens it. */
function database(): Db {
  const dir = mkdtempSync(path.join(tmpdir(), 'payments-queries-'))
  dirs.push(dir)
  const handle = openSqliteDb(path.join(dir, 'ledger.db'))
  handles.push(handle)
  return handle.db
}

/** A database whose statement cache is already full: every query on it runs unprepared. */
function unpreparedDatabase(): Db {
  const db = database()
  for (let i = 0; i < MAX_PREPARED_SHAPES; i++) preparedStatement(db, `filler ${i}`, () => ({}))
  return db
}

const T0 = Date.parse('2026-03-01T10:00:00Z')
const TX = `0x${'cd'.repeat(32)}` as const
const TX2 = `0x${'ef'.repeat(32)}` as const
const reserved = (overrides: Partial<NewPayment> = {}) =>
  ledgerRow({ state: 'reserved', txHash: null, settledAt: null, createdAt: T0, updatedAt: T0, ...overrides })

/**
 * Every hot query, in the order a payment meets them, recording what each returns. `rows` are built once so both
 * databases see the same ids, nonces and times.
 */
async function scenario(db: Db, rows: ReturnType<typeof fixtures>) {
  let clock = T0
  const ledger = new Ledger(db, () => ++clock)
  const out: Record<string, unknown> = {}

  // Reserve: fresh, then the same authorization while live (refused), then re-claimed once released.
  out.fresh = await reservePayment(db, rows.a)
  out.live = await reservePayment(db, { ...rows.a, id: 'other-id', route: '/v1/other' })
  out.releaseA = await ledger.release(rows.a.id, 'verification_failed')
  out.reclaimed = await reservePayment(db, { ...rows.a, id: 'reclaim-id', requestKey: 'GET /v1/x?y=1' })
  // A row with defaults left out (transport, settle mode, discount…) and every nullable field given.
  out.sparse = await reservePayment(db, rows.sparse)
  out.full = await reservePayment(db, rows.full)
  out.b = await reservePayment(db, rows.b)
  out.c = await reservePayment(db, rows.c)

  // Each transition shape the ledger uses, and one that finds its row moved (undefined).
  out.spendHeld = await ledger.markSpendHeld(rows.b.id, 1_772_359_200)
  out.verified = await ledger.markVerified(rows.b.id, 42)
  out.missed = await ledger.markVerified(rows.b.id, 43)
  out.settling = await ledger.markSettling(rows.b.id, 7)
  out.txHash = await recordTxHash(db, { id: rows.b.id, txHash: TX, callIndex: 3, at: 1_000 })
  out.afterTxHash = await getPayment(db, rows.b.id)
  out.pending = await ledger.markPending(rows.b.id, { reason: 'receipt_timeout', txHash: TX, settleMs: 900 })
  out.unpaid = await ledger.markUnpaid(rows.b.id, { reason: 'reverted', settleMs: 901 })
  out.hasUnpaid = await hasUnpaidPayment(db, rows.b.payer)
  out.settled = await ledger.markSettled(rows.b.id, TX2, { settleMs: 12, deliveredAt: 5, txCallIndex: null })
  out.hasUnpaidAfter = await hasUnpaidPayment(db, rows.b.payer)

  out.optimistic = await ledger.markVerified(rows.c.id, 1)
  out.settlingDelivered = await ledger.markSettling(rows.c.id, 2, 3)
  out.txHashNull = await recordTxHash(db, { id: rows.c.id, txHash: TX, callIndex: null, at: 2_000 })
  out.failed = await ledger.markFailed(rows.c.id, { reason: 'insufficient_funds', txHash: TX })
  out.failedNoHash = await ledger.markFailed(rows.c.id, { reason: 'again' })
  out.direct = await transitionPayment(db, {
    id: rows.sparse.id,
    from: ['reserved'],
    to: 'released',
    fields: { failureReason: null, verifyMs: undefined, updatedAt: 77 },
  })
  // Without updatedAt, the transition stamps the row with Date.now().
  const now = vi.spyOn(Date, 'now').mockReturnValue(T0 + 999)
  out.defaultTime = await transitionPayment(db, { id: rows.full.id, from: ['reserved'], to: 'verified' })
  now.mockRestore()

  out.missing = await getPayment(db, 'no-such-id')
  out.override = await getOverride(db, rows.b.payer)
  out.policy = await getPolicy(db, rows.b.payer)
  out.noOverride = await getOverride(db, '0xnobody')
  out.noPolicy = await getPolicy(db, '0xnobody')
  out.ledger = await listPayments(db)
  return out
}

function fixtures() {
  const payer = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
  const { transport: _t, settleMode: _s, discount: _d, usdValue: _u, ...sparse } = reserved()
  return {
    a: reserved(),
    b: reserved({ payer }),
    c: reserved({ settleMode: 'optimistic', transport: 'mcp' }),
    sparse: sparse as NewPayment,
    full: reserved({
      rateUsd: '0.0007',
      txCallIndex: 9,
      failureReason: 'stale',
      verifiedAt: 1,
      broadcastAt: 2,
      deliveredAt: 3,
      spendAt: 4,
      verifyMs: 5,
      handlerMs: 6,
      settleMs: 7,
    }),
  }
}

async function seedSpend(db: Db, payer: string) {
  await db
    .insert(spendOverrides)
    .values({ payer, maxUsdMicrosPerCall: 5, maxUsdMicrosPerHour: null, updatedAt: 1 })
  await db.insert(spendPolicies).values({
    payer,
    maxUsdMicrosPerCall: 1,
    maxUsdMicrosPerDay: 2,
    validUntil: 3,
    nonce: '4',
    signature: '0x',
    updatedAt: 5,
  })
}

describe('prepared ledger queries', () => {
  it('return the same rows as the same queries built anew, and leave the same ledger', async () => {
    const rows = fixtures()
    const prepared = database()
    const unprepared = unpreparedDatabase()
    await seedSpend(prepared, rows.b.payer)
    await seedSpend(unprepared, rows.b.payer)

    const fast = await scenario(prepared, rows)
    const slow = await scenario(unprepared, rows)
    expect(fast).toEqual(slow)
    expect(preparedCount(unprepared)).toBe(MAX_PREPARED_SHAPES) // nothing was prepared there
    expect(preparedCount(prepared)).toBeGreaterThan(10)

    // The outcomes themselves, so the comparison is not between two wrong answers.
    expect(fast.fresh).toMatchObject({ reserved: true, payment: { id: rows.a.id, state: 'reserved' } })
    expect(fast.live).toEqual({
      reserved: false,
      existing: expect.objectContaining({ id: rows.a.id, route: rows.a.route }),
    })
    expect(fast.reclaimed).toMatchObject({
      reserved: true,
      payment: { id: rows.a.id, state: 'reserved', requestKey: 'GET /v1/x?y=1', failureReason: null },
    })
    expect(fast.sparse).toMatchObject({
      payment: {
        transport: 'http',
        settleMode: 'before-response',
        discount: '0',
        usdValue: '0',
        rateUsd: null,
      },
    })
    // A re-claim clears what the released attempt left; a fresh insert keeps every value given.
    expect(fast.full).toMatchObject({
      payment: { txCallIndex: 9, failureReason: 'stale', settleMs: 7, spendAt: 4 },
    })
    expect(fast.spendHeld).toMatchObject({ state: 'reserved', spendAt: 1_772_359_200 })
    expect(fast.verified).toMatchObject({ state: 'verified', verifyMs: 42, verifiedAt: expect.any(Number) })
    expect(fast.missed).toBeUndefined()
    expect(fast.settling).toMatchObject({ state: 'settling', handlerMs: 7, deliveredAt: null })
    expect(fast.pending).toMatchObject({ state: 'pending', failureReason: 'receipt_timeout', settleMs: 900 })
    expect(fast.afterTxHash).toMatchObject({
      txHash: TX,
      txCallIndex: 3,
      broadcastAt: 1_000,
      updatedAt: 1_000,
    })
    expect(fast.unpaid).toMatchObject({
      state: 'unpaid',
      txHash: TX,
      failureReason: 'reverted',
      settleMs: 901,
    })
    expect([fast.hasUnpaid, fast.hasUnpaidAfter]).toEqual([true, false])
    expect(fast.settled).toMatchObject({ state: 'settled', txHash: TX2, failureReason: null, deliveredAt: 5 })
    expect(fast.settlingDelivered).toMatchObject({ state: 'settling', handlerMs: 2, deliveredAt: 3 })
    expect(fast.failed).toMatchObject({ state: 'failed', txHash: TX, txCallIndex: null, broadcastAt: 2_000 })
    expect(fast.failedNoHash).toBeUndefined()
    expect(fast.direct).toMatchObject({
      state: 'released',
      failureReason: null,
      verifyMs: null,
      updatedAt: 77,
    })
    expect(fast.defaultTime).toMatchObject({ state: 'verified', updatedAt: T0 + 999 })
    expect(fast.override).toEqual({
      payer: rows.b.payer,
      maxUsdMicrosPerCall: 5,
      maxUsdMicrosPerHour: null,
      maxUsdMicrosPerDay: null,
      note: null,
      updatedAt: 1,
    })
    expect(fast.policy).toMatchObject({ nonce: '4', validUntil: 3 })
    expect([fast.missing, fast.noOverride, fast.noPolicy]).toEqual([undefined, undefined, undefined])
  })

  it('keep statements per database: two databases never share one', async () => {
    const one = database()
    const two = database()
    const row = reserved()
    // Prepared on both before the row exists anywhere, then the row goes into the second only.
    expect(await getPayment(one, row.id)).toBeUndefined()
    expect(await getPayment(two, row.id)).toBeUndefined()
    await reservePayment(two, row)
    expect(await getPayment(one, row.id)).toBeUndefined()
    expect(await getPayment(two, row.id)).toMatchObject({ id: row.id })
    expect(
      await transitionPayment(one, {
        id: row.id,
        from: ['reserved'],
        to: 'verified',
        fields: { verifyMs: 1 },
      }),
    ).toBeUndefined()
    expect(
      await transitionPayment(two, {
        id: row.id,
        from: ['reserved'],
        to: 'verified',
        fields: { verifyMs: 1 },
      }),
    ).toMatchObject({
      state: 'verified',
    })
    // The first never saw a reserve: its cache holds only what it ran.
    expect(preparedCount(one)).toBe(2)
    expect(preparedCount(two)).toBe(3)
    expect(await one.select().from(payments)).toEqual([])
  })

  it('past the cap, a new shape still runs (unprepared) and the cached ones stay prepared', async () => {
    const db = database()
    const row = reserved()
    await reservePayment(db, row)
    const before = preparedCount(db)
    for (let i = before; i < MAX_PREPARED_SHAPES; i++) preparedStatement(db, `filler ${i}`, () => ({}))
    expect(
      await transitionPayment(db, {
        id: row.id,
        from: ['reserved'],
        to: 'verified',
        fields: { verifyMs: 9 },
      }),
    ).toMatchObject({
      state: 'verified',
      verifyMs: 9,
    })
    expect(preparedCount(db)).toBe(MAX_PREPARED_SHAPES)
    expect(await reservePayment(db, { ...row, id: 'again' })).toMatchObject({ reserved: false })
  })
})
