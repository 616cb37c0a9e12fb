/**
 * Every branch of the paid-request flow, with the real ledger, spend limiter and idempotency store on a real SQLite
 * file, and a fake facilitator (no chain): what it answers, and what the ledger and counters hold afterwards.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createPaidHarness,
  expectServe,
  type HarnessOptions,
  network,
  OK_BODY,
  optimisticRoute,
  type PaidHarness,
  payer,
  permit2Payment,
  refusalOf,
  route,
  TX,
  usdcPayment,
} from '../../test/helpers/paid-core'
import { ChainUnavailableError } from '../chain/errors'
import { devnetAccount } from '../devnet/accounts'
import { createLogger } from '../lib/logger'
import { reconcileOnce } from '../payments/reconciler'
import { encodeHeader } from '../x402/codec'
import { httpStatusOf } from './status'
import type { BeginOutcome } from './types'

let h: PaidHarness
const rebuild = (options: HarnessOptions) => {
  h.close()
  h = createPaidHarness(options)
}
beforeEach(() => {
  h = createPaidHarness()
})
afterEach(() => h.close())

describe('begin: before any payment is touched', () => {
  it('no payment: a 402 challenge offering USDC, then TMAI at a quote', async () => {
    const outcome = await h.core.begin(h.request())
    expect(outcome.kind).toBe('challenge')
    if (outcome.kind !== 'challenge') return
    expect(httpStatusOf(outcome)).toBe(402)
    expect(outcome.challenge.v2.accepts.map((a) => [a.asset, a.amount])).toEqual([
      [network.usdc.address, '17000'],
      [network.tmai!.address, '21857142857142857143'],
    ])
    expect(outcome.challenge.v1.accepts).toHaveLength(1)
    expect(outcome.challenge.v1.error).toBe('payment_required')
    expect(h.events).toEqual([{ type: 'challenge', route: route.path }])
  })

  it('x-payment-token: usdc offers USDC only', async () => {
    const outcome = await h.core.begin(h.request({ tokenPreference: 'usdc' }))
    expect(outcome.kind === 'challenge' && outcome.challenge.v2.accepts.map((a) => a.asset)).toEqual([
      network.usdc.address,
    ])
  })

  it.each([
    ['undecodable', 'invalid_payload', '!!!not-base64'],
    ['not JSON', 'invalid_payload', Buffer.from('{oops').toString('base64')],
    ['oversized', 'payment_header_too_large', 'A'.repeat(16 * 1024 + 1)],
    [
      'of the wrong protocol version',
      'invalid_payload',
      encodeHeader({ x402Version: 3, accepted: {}, payload: {} }),
    ],
  ])('a header that is %s is a 400 %s; nothing reserved', async (_what, reason, header) => {
    const refusal = refusalOf(await h.core.begin(h.withPayment(header)))
    expect(refusal).toMatchObject({ status: 400, kind: 'invalid_request', reason })
    expect(await h.states()).toEqual([])
  })

  it('terms that differ from ours: a 402 with a fresh challenge; nothing reserved', async () => {
    const [usdc] = await h.offers()
    const refusal = refusalOf(await h.core.begin(h.withPayment(usdcPayment({ ...usdc!, amount: '1' }))))
    expect(refusal).toMatchObject({ status: 402, reason: 'invalid_payment_requirements' })
    expect(refusal.message).toMatch(/amount/)
    expect(refusal.challenge?.v2.accepts).toHaveLength(2)
    expect(await h.states()).toEqual([])
  })

  it('bad parameters with a valid payment: a 400 naming the parameter; nothing reserved or verified', async () => {
    const [usdc] = await h.offers()
    const outcome = await h.core.begin(
      h.withPayment(usdcPayment(usdc!), {
        input: { ok: false, parameter: 'limit', message: 'limit: too big' },
      }),
    )
    expect(refusalOf(outcome)).toMatchObject({
      status: 400,
      reason: 'invalid_parameter',
      details: { parameter: 'limit' },
    })
    expect(await h.states()).toEqual([])
    expect(h.facilitator.verifyCalls).toBe(0)
  })

  it('a malformed Idempotency-Key is a 400 naming it', async () => {
    const [usdc] = await h.offers()
    const outcome = await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: 'short' }))
    expect(refusalOf(outcome)).toMatchObject({ status: 400, details: { parameter: 'Idempotency-Key' } })
  })
})

describe('begin: reservation', () => {
  it('the same payment while the first is in flight: 409 payment_in_progress, verified once', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    const first = expectServe(await h.core.begin(h.withPayment(header)))
    expect(refusalOf(await h.core.begin(h.withPayment(header)))).toMatchObject({
      status: 409,
      reason: 'payment_in_progress',
    })
    expect(h.facilitator.verifyCalls).toBe(1)
    await h.core.complete(first, OK_BODY)
    expect(h.facilitator.settleCalls).toBe(1)
  })

  it('a payment already used: 402 nonce already used, with a fresh challenge', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    await h.paidOnce(header)
    const refusal = refusalOf(await h.core.begin(h.withPayment(header)))
    expect(refusal).toMatchObject({ status: 402, reason: 'invalid_exact_evm_nonce_already_used' })
    expect(refusal.challenge).toBeDefined()
    expect(h.facilitator.settleCalls).toBe(1)
  })

  it('settled after its request gave up: the same request redeems it once, without a new transfer', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'no receipt in time' })
    expect((await h.paidOnce(header)).kind).toBe('pending')
    const [row] = await h.rows()
    await h.ledger.markSettled(row!.id, TX) // what the reconciler does once the receipt arrives

    // Two retries at once: one redeems it, the other is refused.
    const retries = await Promise.all([
      h.core.begin(h.withPayment(header)),
      h.core.begin(h.withPayment(header)),
    ])
    const redeem = expectServe(retries.find((r) => r.kind === 'serve')!)
    expect(retries.filter((r) => r.kind === 'refusal')).toHaveLength(1)
    const done = await h.core.complete(redeem, OK_BODY)
    expect(done).toMatchObject({
      kind: 'settled',
      settlement: { response: { success: true, transaction: TX } },
    })
    expect(h.facilitator.settleCalls).toBe(1)
    // Delivered: the next retry is told the payment is used.
    expect(refusalOf(await h.core.begin(h.withPayment(header))).reason).toBe(
      'invalid_exact_evm_nonce_already_used',
    )
  })

  it('a redeeming request whose handler fails leaves the payment redeemable', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'slow' })
    await h.paidOnce(header)
    const [row] = await h.rows()
    await h.ledger.markSettled(row!.id, TX)
    const redeem = expectServe(await h.core.begin(h.withPayment(header)))
    expect(await h.core.complete(redeem, { ...OK_BODY, status: 500 })).toEqual({ kind: 'undelivered' })
    expect((await h.core.begin(h.withPayment(header))).kind).toBe('serve')
  })

  it('still settling: the same request is told "pending, do not pay again", with the transaction', async () => {
    const [usdc] = await h.offers()
    const header = usdcPayment(usdc!)
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'slow' })
    await h.paidOnce(header)
    const outcome = await h.core.begin(h.withPayment(header))
    expect(outcome).toMatchObject({ kind: 'pending', pending: { transaction: TX } })
    expect(httpStatusOf(outcome as Extract<BeginOutcome, { kind: 'pending' }>)).toBe(503)
    expect(h.facilitator.verifyCalls).toBe(1)
  })
})

describe('begin: spend limits and verification', () => {
  it('over a spend limit: 402 spend_limit_exceeded with the figures; released, counters untouched', async () => {
    rebuild({ caps: { perPayerHour: 20_000n } })
    const [usdc] = await h.offers()
    await h.paidOnce(usdcPayment(usdc!))
    const refusal = refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    expect(refusal).toMatchObject({
      status: 402,
      reason: 'spend_limit_exceeded',
      details: { limit: 'payer_hour', capUsd: '0.02', remainingUsd: '0.003' },
    })
    expect(refusal.retryAfterSeconds).toBeGreaterThan(0)
    expect(await h.states()).toEqual(['settled', 'released'])
    expect(await h.hourUsage()).toBe(17_000n)
  })

  it('verification cannot run: 503 verification_unavailable with Retry-After; released, spend given back', async () => {
    h.facilitator.verifyWith = async () => {
      throw new ChainUnavailableError('signature verification', { cause: new Error('ECONNREFUSED') })
    }
    const [usdc] = await h.offers()
    const refusal = refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    expect(refusal).toMatchObject({ status: 503, reason: 'verification_unavailable', retryAfterSeconds: 5 })
    expect(refusal.message).toMatch(/nothing was charged/)
    expect(await h.states()).toEqual(['released'])
    expect(await h.hourUsage()).toBe(0n)
  })

  it('verification that hangs gives up at the deadline (fail closed, fast)', async () => {
    rebuild({ verifyTimeoutMs: 150 })
    h.facilitator.verifyWith = () => new Promise(() => {})
    const [usdc] = await h.offers()
    const started = performance.now()
    const refusal = refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    expect(refusal.reason).toBe('verification_unavailable')
    expect(performance.now() - started).toBeLessThan(1_500)
    expect(await h.states()).toEqual(['released'])
  })

  it('verification refuses: 402 with its reason and a challenge; released', async () => {
    h.facilitator.verifyWith = async () => ({
      ok: false,
      reason: 'invalid_exact_evm_signature',
      message: 'the signature does not match',
    })
    const [usdc] = await h.offers()
    const refusal = refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    expect(refusal).toMatchObject({ status: 402, reason: 'invalid_exact_evm_signature' })
    expect(refusal.challenge).toBeDefined()
    expect(await h.states()).toEqual(['released'])
    expect(await h.hourUsage()).toBe(0n)
  })

  it('a TMAI payer without Permit2 approval: 412 with instructions; released', async () => {
    h.facilitator.verifyWith = async () => ({
      ok: false,
      reason: 'permit2_allowance_required',
      message: 'allowance 0',
    })
    const [, tmai] = await h.offers()
    const refusal = refusalOf(await h.core.begin(h.withPayment(permit2Payment(tmai!))))
    expect(refusal).toMatchObject({ status: 412, kind: 'approval_required' })
    expect(refusal.message).toMatch(/permit2-approve --token TMAI/)
    expect(await h.states()).toEqual(['released'])
  })
})

describe('complete', () => {
  it('settled: the settlement (v2 network id, payer, tx) and a settled, delivered ledger row', async () => {
    const [usdc] = await h.offers()
    const outcome = await h.paidOnce(usdcPayment(usdc!))
    expect(outcome).toMatchObject({
      kind: 'settled',
      settlement: {
        x402Version: 2,
        response: { success: true, transaction: TX, network: 'eip155:8453', payer },
      },
    })
    const [row] = await h.rows()
    expect(row).toMatchObject({ state: 'settled', txHash: TX, transport: 'http', usdValue: '0.017' })
    expect(row?.deliveredAt).not.toBeNull()
    expect(h.events.map((e) => e.type)).toEqual(['challenge', 'verification', 'settled'])
  })

  it('the handler answers >= 400: released, no settlement, spend given back', async () => {
    const [usdc] = await h.offers()
    const handle = expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    expect(await h.core.complete(handle, { ...OK_BODY, status: 404 })).toEqual({
      kind: 'released',
      reason: 'handler_status_404',
    })
    expect(h.facilitator.settleCalls).toBe(0)
    expect(await h.states()).toEqual(['released'])
    expect(await h.hourUsage()).toBe(0n)
  })

  it('settlement pending: 503 with the transaction; the spend stays counted until reconciled', async () => {
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'no receipt in time' })
    const [usdc] = await h.offers()
    const outcome = await h.paidOnce(usdcPayment(usdc!))
    expect(outcome).toMatchObject({
      kind: 'pending',
      pending: {
        transaction: TX,
        settlement: { response: { success: false, errorReason: 'settlement_pending' } },
      },
    })
    expect(await h.states()).toEqual(['pending'])
    expect(await h.hourUsage()).toBe(17_000n)
  })

  it('settlement failed: 402 with the reason in the settlement header; spend given back', async () => {
    h.facilitator.settleWith = async () => ({
      status: 'failed',
      reason: 'invalid_exact_evm_transaction_failed',
      message: 'reverted',
      txHash: TX,
    })
    const [usdc] = await h.offers()
    const refusal = refusalOf(await h.paidOnce(usdcPayment(usdc!)))
    expect(refusal).toMatchObject({
      status: 402,
      reason: 'invalid_exact_evm_transaction_failed',
      settlement: { response: { success: false, transaction: TX } },
    })
    expect(await h.states()).toEqual(['failed'])
    expect(await h.hourUsage()).toBe(0n)
  })

  it('the ledger cannot be written after the Transfer: the paid answer still goes out, and the write is kept', async () => {
    h.ledger.failing.add('markSettled')
    const [usdc] = await h.offers()
    const outcome = await h.paidOnce(usdcPayment(usdc!))
    expect(outcome).toMatchObject({
      kind: 'settled',
      settlement: { response: { success: true, transaction: TX } },
    })
    expect(await h.states()).toEqual(['settling'])
    expect(h.core.outbox.size).toBe(1)
    expect(h.events.map((e) => e.type)).toContain('ledger_write_deferred')

    h.ledger.failing.clear()
    await h.core.outbox.flush()
    expect(h.core.outbox.size).toBe(0)
    const [row] = await h.rows()
    expect(row).toMatchObject({ state: 'settled', txHash: TX })
  })

  it('the tx hash cannot be recorded before broadcast: nothing is sent, 503 "nothing was charged"', async () => {
    h.ledger.failing.add('recordTxHash')
    const [usdc] = await h.offers()
    const refusal = refusalOf(await h.paidOnce(usdcPayment(usdc!)))
    expect(refusal).toMatchObject({ status: 503, reason: 'settlement_unavailable' })
    expect(refusal.message).toMatch(/nothing was charged/)
    expect(h.facilitator.broadcasts).toBe(0)
    expect(await h.states()).toEqual(['failed'])
    expect(await h.hourUsage()).toBe(0n)
  })

  it('a request the reconciler released meanwhile is not settled', async () => {
    const [usdc] = await h.offers()
    const handle = expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!))))
    await h.ledger.releaseAbandoned(Date.now() + 1)
    const refusal = refusalOf(await h.core.complete(handle, OK_BODY))
    expect(refusal).toMatchObject({ status: 503, reason: 'payment_abandoned' })
    expect(h.facilitator.settleCalls).toBe(0)
  })
})

describe('idempotency', () => {
  const KEY = 'retry-key-0123456789'

  it('a retry with the same key and request replays the stored answer; the new payment is never settled', async () => {
    const [usdc] = await h.offers()
    const first = expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY })))
    await h.core.complete(first, OK_BODY)
    const replay = await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY }))
    expect(replay).toMatchObject({ kind: 'replay', response: { status: 200, body: OK_BODY.body } })
    if (replay.kind === 'replay') expect(replay.response.headers['payment-response']).toBeDefined()
    expect(h.facilitator.settleCalls).toBe(1)
    expect(await h.states()).toEqual(['settled'])
  })

  it('the payment-identifier extension works as the key', async () => {
    const [usdc] = await h.offers()
    const id = { 'payment-identifier': { info: { id: KEY } } }
    await h.core.complete(expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!, {}, id)))), OK_BODY)
    expect((await h.core.begin(h.withPayment(usdcPayment(usdc!, {}, id)))).kind).toBe('replay')
  })

  it('the same key for another request is 409 idempotency_key_reused', async () => {
    const [usdc] = await h.offers()
    await h.core.complete(
      expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY }))),
      OK_BODY,
    )
    const other = h.withPayment(usdcPayment(usdc!), {
      idempotencyKey: KEY,
      request: { method: 'GET', path: '/v1/daily-ohlcv', query: 'symbol=BTC', body: '' },
    })
    expect(refusalOf(await h.core.begin(other))).toMatchObject({
      status: 409,
      reason: 'idempotency_key_reused',
    })
  })

  it('the same key while its first request runs is 409 request_in_progress', async () => {
    const [usdc] = await h.offers()
    expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY })))
    expect(
      refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY }))),
    ).toMatchObject({
      status: 409,
      reason: 'request_in_progress',
    })
  })

  it('a key whose payment is still settling takes no new payment, but lets the same one be redeemed', async () => {
    h.facilitator.settleWith = async () => ({ status: 'pending', txHash: TX, message: 'slow' })
    const [usdc] = await h.offers()
    const keyed = usdcPayment(usdc!)
    const first = await h.core.complete(
      expectServe(await h.core.begin(h.withPayment(keyed, { idempotencyKey: KEY }))),
      OK_BODY,
    )
    expect(first.kind).toBe('pending')
    // A new payment under the same key could buy the request twice: refused, and released.
    const fresh = await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY }))
    expect(refusalOf(fresh)).toMatchObject({ status: 409, reason: 'request_in_progress' })
    expect((await h.core.begin(h.withPayment(keyed, { idempotencyKey: KEY }))).kind).toBe('pending')

    const pending = (await h.rows()).find((row) => row.state === 'pending')!
    await h.ledger.markSettled(pending.id, TX) // the reconciler found the receipt
    await h.core.complete(
      expectServe(await h.core.begin(h.withPayment(keyed, { idempotencyKey: KEY }))),
      OK_BODY,
    )
    expect((await h.core.begin(h.withPayment(usdcPayment(usdc!), { idempotencyKey: KEY }))).kind).toBe(
      'replay',
    )
    expect(h.facilitator.settleCalls).toBe(1)
    expect(await h.states()).toEqual(['settled', 'released'])
  })
})

describe('optimistic settlement', () => {
  /** A facilitator whose settlements wait until the test lets them finish. */
  function heldSettlements() {
    const release: Array<() => void> = []
    h.facilitator.settleWith = () =>
      new Promise((resolve) => release.push(() => resolve({ status: 'settled', txHash: TX })))
    const finishAll = () => {
      for (const finish of release.splice(0)) finish()
    }
    return { finishAll, count: () => release.length }
  }

  it('serves right after verification, before the settlement lands; settles in the background', async () => {
    const held = heldSettlements()
    const [usdc] = await h.offers()
    const handle = expectServe(
      await h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute })),
    )
    const done = await h.core.complete(handle, OK_BODY)
    expect(done).toMatchObject({
      kind: 'served',
      settlement: { response: { success: true, transaction: TX } },
    })
    expect(held.count()).toBe(1)
    const [served] = await h.rows()
    expect(served).toMatchObject({ state: 'settling', settleMode: 'optimistic', txHash: TX })
    expect(served!.deliveredAt).not.toBeNull()
    expect((await h.exposure.usage(payer)).payerMicros).toBe(17_000n)

    held.finishAll()
    await h.core.idle()
    expect(await h.states()).toEqual(['settled'])
    expect(await h.exposure.usage(payer)).toEqual({ payerMicros: 0n, totalMicros: 0n })
  })

  it('the exposure cap refuses the next payment when reached (nothing charged), and admits again once settled', async () => {
    rebuild({ exposure: { perPayer: 34_000n } })
    const held = heldSettlements()
    const [usdc] = await h.offers()
    const serveOne = async () => h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute }))
    for (let i = 0; i < 2; i++) {
      expect(await h.core.complete(expectServe(await serveOne()), OK_BODY)).toMatchObject({ kind: 'served' })
    }
    const third = refusalOf(await serveOne())
    expect(third).toMatchObject({
      status: 503,
      reason: 'optimistic_exposure_limit_reached',
      retryAfterSeconds: 2,
    })
    expect(third.message).toMatch(/nothing was charged/i)
    expect((await h.rows()).map((r) => [r.state, r.failureReason])).toContainEqual([
      'released',
      'optimistic_exposure_limit_reached',
    ])
    expect(await h.hourUsage()).toBe(34_000n)

    held.finishAll()
    await h.core.idle()
    expect(await h.core.complete(expectServe(await serveOne()), OK_BODY)).toMatchObject({ kind: 'served' })
  })

  it('a total cap binds across payers', async () => {
    rebuild({ exposure: { total: 17_000n } })
    heldSettlements()
    const [usdc] = await h.offers()
    await h.core.complete(
      expectServe(await h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute }))),
      OK_BODY,
    )
    const other = usdcPayment(usdc!, { from: devnetAccount(2).address })
    expect(refusalOf(await h.core.begin(h.withPayment(other, { route: optimisticRoute })))).toMatchObject({
      reason: 'optimistic_exposure_limit_reached',
      details: { scope: 'total' },
    })
  })

  it('a failed background settlement leaves the payment unpaid and refuses the payer until it is collected', async () => {
    h.facilitator.settleWith = async () => ({
      status: 'failed',
      reason: 'invalid_exact_evm_transaction_failed',
      message: 'transfer amount exceeds balance',
    })
    const [usdc] = await h.offers()
    const first = expectServe(
      await h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute })),
    )
    expect(await h.core.complete(first, OK_BODY)).toMatchObject({ kind: 'served' })
    await h.core.idle()
    expect(await h.states()).toEqual(['unpaid'])
    expect(h.events.map((e) => e.type)).toContain('unpaid')
    // Still owed: its exposure and spend stay counted.
    expect((await h.exposure.usage(payer)).payerMicros).toBe(17_000n)

    const next = refusalOf(await h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute })))
    expect(next).toMatchObject({ status: 402, reason: 'unpaid_optimistic_settlement' })
    expect(h.facilitator.verifyCalls).toBe(1)
    // Another payer is not affected.
    const other = usdcPayment(usdc!, { from: devnetAccount(2).address })
    h.facilitator.settleWith = async () => ({ status: 'settled', txHash: TX })
    expect(await h.paidOnce(other, { route: optimisticRoute })).toMatchObject({ kind: 'served' })

    // The reconciler collects it (here: the chain shows it paid after all); the payer is served again.
    h.facilitator.resolveWith = async () => ({ status: 'settled', txHash: TX })
    await reconcileOnce({
      ledger: h.ledger,
      facilitator: h.facilitator,
      network,
      logger: createLogger('silent'),
      exposure: h.exposure,
    })
    expect((await h.rows()).filter((r) => r.payer === payer.toLowerCase()).map((r) => r.state)).toEqual([
      'settled',
    ])
    expect((await h.exposure.usage(payer)).payerMicros).toBe(0n)
    expect(await h.paidOnce(usdcPayment(usdc!), { route: optimisticRoute })).toMatchObject({ kind: 'served' })
  })

  it('a handler failure releases the payment and its exposure', async () => {
    heldSettlements()
    const [usdc] = await h.offers()
    const handle = expectServe(
      await h.core.begin(h.withPayment(usdcPayment(usdc!), { route: optimisticRoute })),
    )
    expect(await h.core.complete(handle, { ...OK_BODY, status: 404 })).toMatchObject({ kind: 'released' })
    expect((await h.exposure.usage(payer)).payerMicros).toBe(0n)
    expect(h.facilitator.settleCalls).toBe(0)
  })
})
