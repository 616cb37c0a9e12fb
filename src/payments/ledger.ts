import { randomUUID } from 'node:crypto'
import type { Hash } from 'viem'
import type { Db } from '../db/client'
import {
  claimDelivery,
  getPayment,
  listUnresolvedPayments,
  recordTxHash,
  reservePayment,
  transitionPayment,
  unclaimDelivery,
} from '../db/queries/payments'
import type { Payment, PaymentState } from '../db/schema'
import { formatAtomic } from '../lib/money'
import { authorizationOf, type PaymentAttempt } from '../x402/match'

export interface PaidRequest {
  method: string
  route: string
  requestKey: string
}

/** What the ledger keeps of a payment so the reconciler can rebuild it without the original request. */
export type StoredPayload = Pick<PaymentAttempt, 'x402Version' | 'method' | 'payload' | 'wire'>

export type ReserveOutcome =
  | { ok: true; id: string }
  | { ok: false; state: PaymentState | 'unknown'; existing?: Payment }

/**
 * The payment ledger: one row per (network, asset, payer, nonce), moved through its states only by conditional,
 * single-statement updates, so concurrent requests carrying the same payment can never both proceed.
 */
export class Ledger {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async reserve(attempt: PaymentAttempt, request: PaidRequest): Promise<ReserveOutcome> {
    const at = this.now()
    const stored = {
      x402Version: attempt.x402Version,
      method: attempt.method,
      payload: attempt.payload,
      wire: attempt.wire,
    } as StoredPayload
    const { nonce, validBefore } = authorizationOf(attempt)
    const result = await reservePayment(this.db, {
      id: randomUUID(),
      network: attempt.offer.network.caip2,
      asset: attempt.offer.asset.address.toLowerCase(),
      payer: attempt.payer.toLowerCase(),
      nonce,
      state: 'reserved',
      x402Version: attempt.x402Version,
      scheme: attempt.offer.scheme,
      method: request.method,
      route: request.route,
      requestKey: request.requestKey,
      amount: attempt.offer.amountAtomic.toString(),
      assetSymbol: attempt.offer.asset.symbol,
      usdPrice: attempt.offer.usdPrice,
      usdValue: formatAtomic(BigInt(attempt.offer.usdMicros), 6),
      discount: attempt.offer.quote?.discount ?? '0',
      rateUsd: attempt.offer.quote?.rateUsd ?? null,
      payTo: attempt.offer.payTo.toLowerCase(),
      validBefore,
      payload: JSON.stringify(stored),
      createdAt: at,
      updatedAt: at,
    })
    if (result.reserved) return { ok: true, id: result.payment.id }
    return { ok: false, state: result.existing?.state ?? 'unknown', existing: result.existing }
  }

  markVerified(id: string, verifyMs: number) {
    return transitionPayment(this.db, id, ['reserved'], 'verified', { verifiedAt: this.now(), verifyMs })
  }

  /** No charge: verification failed, the handler answered >= 400, or verification could not run. */
  release(id: string, reason: string) {
    return transitionPayment(this.db, id, ['reserved', 'verified'], 'released', { failureReason: reason })
  }

  markSettling(id: string, handlerMs: number) {
    return transitionPayment(this.db, id, ['verified'], 'settling', { handlerMs })
  }

  recordTxHash(id: string, hash: Hash) {
    return recordTxHash(this.db, id, hash, this.now())
  }

  /** Claims the single delivery of a settled payment whose response never left; false if already delivered. */
  claimDelivery(id: string): Promise<boolean> {
    return claimDelivery(this.db, id, this.now())
  }

  unclaimDelivery(id: string): Promise<void> {
    return unclaimDelivery(this.db, id)
  }

  markSettled(id: string, txHash: Hash, fields: { settleMs?: number; deliveredAt?: number } = {}) {
    return transitionPayment(this.db, id, ['settling', 'pending'], 'settled', {
      txHash,
      settledAt: this.now(),
      failureReason: null,
      ...fields,
    })
  }

  markFailed(id: string, reason: string, txHash?: Hash, fields: { settleMs?: number } = {}) {
    return transitionPayment(this.db, id, ['settling', 'pending'], 'failed', {
      failureReason: reason,
      ...(txHash ? { txHash } : {}),
      ...fields,
    })
  }

  markPending(id: string, reason: string, txHash?: Hash, fields: { settleMs?: number } = {}) {
    return transitionPayment(this.db, id, ['settling'], 'pending', {
      failureReason: reason,
      ...(txHash ? { txHash } : {}),
      ...fields,
    })
  }

  get(id: string): Promise<Payment | undefined> {
    return getPayment(this.db, id)
  }

  unresolved(staleBefore: number, limit?: number): Promise<Payment[]> {
    return listUnresolvedPayments(this.db, staleBefore, limit)
  }
}
