/**
 * What the reconciler does with requests that did not finish: reservations a crash left, settlements a crash
 * interrupted, pending payments that never land. Real ledger and counters on SQLite, a fake chain answer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createPaidHarness,
  expectServe,
  network,
  OK_BODY,
  type PaidHarness,
  TX,
  usdcPayment,
} from '../../test/helpers/paid-core'
import { createLogger } from '../lib/logger'
import { abandonedAfterMs, attemptFromRow, type ReconcilerDeps, reconcileOnce } from './reconciler'

let h: PaidHarness
beforeEach(() => {
  h = createPaidHarness()
})
afterEach(() => h.close())

const deps = (overrides: Partial<ReconcilerDeps> = {}): ReconcilerDeps => ({
  ledger: h.ledger,
  facilitator: h.facilitator,
  network,
  logger: createLogger('silent'),
  limiter: h.limiter,
  idempotency: h.idempotency,
  abandonedAfterMs: abandonedAfterMs(120),
  ...overrides,
})

describe('reservations of requests that died', () => {
  it('are released after the bound, their spend given back, and the same payment can buy the request again', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    expectServe(await h.core.begin(h.withPayment(header))) // ... and the process dies before complete()
    expect(await h.hourUsage()).toBe(17_000n)
    // Still within the bound: a live request may be running its handler.
    expect((await reconcileOnce(deps())).abandoned).toBe(0)
    expect(await h.states()).toEqual(['verified'])
    // While the row is held, the same payment cannot be used (409)...
    expect((await h.core.begin(h.withPayment(header))).kind).toBe('refusal')

    const later = Date.now() + abandonedAfterMs(120) + 1_000
    const summary = await reconcileOnce(deps({ now: () => later }))
    expect(summary.abandoned).toBe(1)
    expect(await h.states()).toEqual(['released'])
    expect(await h.hourUsage()).toBe(0n)
    // ... and once released, it can.
    const again = expectServe(await h.core.begin(h.withPayment(header)))
    expect(await h.core.complete(again, OK_BODY)).toMatchObject({ kind: 'settled' })
    expect(await h.hourUsage()).toBe(17_000n)
  })

  it('a reservation refused before its spend was taken gives nothing back', async () => {
    h.close()
    h = createPaidHarness({ caps: { perPayerHour: 17_000n } })
    const [usdc] = await h.offers()
    await h.paidOnce(usdcPayment(usdc!))
    const [row] = await h.rows()
    // A row that never took spend (a crash right after reserve): releasing it must not eat the settled one's spend.
    const settled = attemptFromRow(row!, network)
    if (settled.method !== 'eip3009') throw new Error('expected a USDC payment')
    const authorization = { ...settled.payload.authorization, nonce: `0x${'cd'.repeat(32)}` }
    await h.ledger.reserve(
      { ...settled, payload: { ...settled.payload, authorization } },
      { method: 'GET', route: row!.route, requestKey: row!.requestKey, transport: 'http' },
    )
    await reconcileOnce(deps({ now: () => Date.now() + abandonedAfterMs(120) + 1_000 }))
    expect(await h.states()).toEqual(['settled', 'released'])
    expect(await h.hourUsage()).toBe(17_000n)
  })
})

describe('settlements a crash interrupted', () => {
  async function interruptedSettlement() {
    const [usdc] = await h.offers()
    const handle = expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    const id = handle.payment.id
    await h.ledger.markSettling(id, 1)
    await h.ledger.recordTxHash(id, TX) // broadcast, then the process died
    return id
  }

  it('are resolved from the chain on the first run after start-up, not minutes later', async () => {
    await interruptedSettlement()
    h.facilitator.resolveWith = async () => ({ status: 'settled', txHash: TX })
    // The same process: a `settling` row is a live request's, left alone.
    expect((await reconcileOnce(deps({ startedAt: Date.now() - 60_000 }))).checked).toBe(0)
    // A new process started after the row was last touched: resolved at once.
    const summary = await reconcileOnce(deps({ startedAt: Date.now() + 1 }))
    expect(summary).toMatchObject({ checked: 1, settled: 1 })
    const [row] = await h.rows()
    expect(row).toMatchObject({ state: 'settled', txHash: TX })
  })

  it('one that never landed becomes failed, gives its spend back and frees its idempotency key', async () => {
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'slow' })
    const [usdc] = await h.offers()
    const key = 'pending-key-0123456789'
    await h.paidOnce(usdcPayment(usdc!), { idempotencyKey: key })
    expect(await h.hourUsage()).toBe(17_000n)
    h.facilitator.resolveWith = async () => ({ status: 'failed', reason: 'authorization_expired_unsettled' })
    expect(await reconcileOnce(deps())).toMatchObject({ checked: 1, failed: 1 })
    expect(await h.states()).toEqual(['failed'])
    expect(await h.hourUsage()).toBe(0n)
    // The key is free: a new payment may buy the request now.
    h.facilitator.settleWith = async () => ({ status: 'settled', txHash: TX })
    expect(await h.paidOnce(usdcPayment(usdc!), { idempotencyKey: key })).toMatchObject({ kind: 'settled' })
  })
})
