import type { Hash } from 'viem'
import { retryWhileBusy } from '../db/busy'
import type { Db } from '../db/client'
import {
  claimDelivery,
  getPayment,
  hasUnpaidPayment,
  listUnresolvedPayments,
  NO_PAYLOAD,
  type PaymentTransition,
  pruneReleasedPayments,
  recordTxHash,
  releaseAbandonedReservations,
  reservePayment,
  transitionPayment,
  unclaimDelivery,
} from '../db/queries/payments'
import type { Payment, PaymentState } from '../db/schema'
import { formatUsdMicros } from '../lib/money'
import type { PaymentAttempt } from '../x402/attempt'
import { schemePayloads } from '../x402/schemes'
import { payloadReaderFor } from '../x402/schemes/scheme'

/** The failure reason an operator's write-off of an `unpaid` payment leaves on its row. */
export const WRITTEN_OFF = 'written_off'

export type Transport = 'http' | 'mcp'

/** When a paid body leaves: after the Transfer is on chain (default), or right after verification. */
export type SettleMode = 'before-response' | 'optimistic'

export interface PaidRequest {
  method: string
  route: string
  requestKey: string
  transport: Transport
  settleMode?: SettleMode
}

/** What the ledger keeps of a payment so the reconciler can rebuild it without the original request. */
export type StoredPayload = Pick<PaymentAttempt, 'x402Version' | 'method' | 'payload' | 'wire'>

/** Why a settlement did not (yet) complete, with its transaction when one was sent. */
export interface SettleFailure {
  reason: string
  txHash?: Hash
  settleMs?: number
}

type Fields = NonNullable<PaymentTransition['fields']>

const failureFields = ({ reason, txHash, settleMs }: SettleFailure): Fields => ({
  failureReason: reason,
  ...(txHash ? { txHash } : {}),
  ...(settleMs === undefined ? {} : { settleMs }),
})

const storedPayloadOf = (attempt: PaymentAttempt): string =>
  JSON.stringify({
    x402Version: attempt.x402Version,
    method: attempt.method,
    payload: attempt.payload,
    wire: attempt.wire,
  } satisfies StoredPayload)

export type ReserveOutcome =
  | { ok: true; id: string }
  | { ok: false; state: PaymentState | 'unknown'; existing?: Payment }

/**
 * The payment ledger: one row per (network, asset, payer, nonce), moved through its states only by conditional,
 * single-statement updates, so concurrent requests carrying the same payment can never both proceed. A transition
 * returns the updated row, or undefined when another actor (a concurrent request, the reconciler) moved it first.
 * Writes that meet a locked database retry asynchronously (db/busy.ts) and then throw StoreBusyError.
 */
export class Ledger {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Claims the payment's authorization. The client's signed payload is not stored yet: most payments that are never
   * verified are junk, and a row that is refused keeps only its fixed-size columns (see `markVerified`).
   */
  async reserve(attempt: PaymentAttempt, request: PaidRequest): Promise<ReserveOutcome> {
    const at = this.now()
    const { nonce, validBefore } = payloadReaderFor(schemePayloads, attempt.method).authorization(
      attempt.payload,
    )
    const result = await retryWhileBusy('reserve', () =>
      reservePayment(this.db, {
        id: crypto.randomUUID(),
        network: attempt.offer.network.caip2,
        asset: attempt.offer.asset.address.toLowerCase(),
        payer: attempt.payer.toLowerCase(),
        nonce,
        state: 'reserved',
        x402Version: attempt.x402Version,
        scheme: attempt.offer.scheme,
        method: request.method,
        transport: request.transport,
        settleMode: request.settleMode ?? 'before-response',
        route: request.route,
        requestKey: request.requestKey,
        amount: attempt.offer.amountAtomic.toString(),
        assetSymbol: attempt.offer.asset.symbol,
        usdPrice: attempt.offer.usdPrice,
        usdValue: formatUsdMicros(attempt.offer.usdMicros),
        discount: attempt.offer.quote?.discount ?? '0',
        rateUsd: attempt.offer.quote?.rateUsd ?? null,
        payTo: attempt.offer.payTo.toLowerCase(),
        validBefore,
        payload: NO_PAYLOAD,
        spendAt: null,
        createdAt: at,
        updatedAt: at,
      }),
    )
    if (result.reserved) return { ok: true, id: result.payment.id }
    return { ok: false, state: result.existing?.state ?? 'unknown', existing: result.existing }
  }

  /** The spend-limit windows of `atSeconds` now hold this payment's value (given back if it is not charged). */
  markSpendHeld(id: string, atSeconds: number) {
    return this.transition(id, { from: ['reserved'], to: 'reserved', set: { spendAt: atSeconds } })
  }

  /**
   * Verified: from here the payment may be settled, so its signed payload is stored with it (what the reconciler
   * rebuilds the attempt from if the request does not finish).
   */
  markVerified(id: string, verifyMs: number, attempt?: PaymentAttempt) {
    return this.transition(id, {
      from: ['reserved'],
      to: 'verified',
      set: { verifiedAt: this.now(), verifyMs, ...(attempt ? { payload: storedPayloadOf(attempt) } : {}) },
    })
  }

  /**
   * No charge: verification failed, the handler answered >= 400, or verification could not run. The client's payload
   * goes with it (nothing will be settled or resolved from it), so refused junk keeps no more than its row.
   */
  release(id: string, reason: string) {
    return this.transition(id, {
      from: ['reserved', 'verified'],
      to: 'released',
      set: { failureReason: reason, payload: NO_PAYLOAD },
    })
  }

  /** `deliveredAt`: optimistic mode, where the body leaves as settlement starts. */
  markSettling(id: string, handlerMs: number, deliveredAt?: number) {
    return this.transition(id, {
      from: ['verified'],
      to: 'settling',
      set: { handlerMs, ...(deliveredAt === undefined ? {} : { deliveredAt }) },
    })
  }

  /** The settlement transaction (and the payment's call in it, when batched), stored before it is broadcast. */
  recordTxHash(id: string, hash: Hash, callIndex?: number): Promise<void> {
    return retryWhileBusy('record tx hash', () =>
      recordTxHash(this.db, { id, txHash: hash, callIndex: callIndex ?? null, at: this.now() }),
    )
  }

  /** Whether `payer` owes us an optimistic payment whose settlement failed. */
  hasUnpaid(payer: string): Promise<boolean> {
    return hasUnpaidPayment(this.db, payer.toLowerCase())
  }

  /** Optimistic mode: the body was served, the settlement failed; the payer owes it until it is collected. */
  markUnpaid(id: string, outcome: SettleFailure) {
    return this.transition(id, { from: ['settling', 'pending'], to: 'unpaid', set: failureFields(outcome) })
  }

  /** The operator writes off an `unpaid` payment (see payments/write-off.ts); undefined if it is not `unpaid`. */
  writeOff(id: string) {
    return this.transition(id, { from: ['unpaid'], to: 'failed', set: { failureReason: WRITTEN_OFF } })
  }

  /** Claims the single delivery of a settled payment whose response never left; false if already delivered. */
  claimDelivery(id: string): Promise<boolean> {
    return retryWhileBusy('claim delivery', () => claimDelivery(this.db, id, this.now()))
  }

  unclaimDelivery(id: string): Promise<void> {
    return retryWhileBusy('unclaim delivery', () => unclaimDelivery(this.db, id))
  }

  markSettled(
    id: string,
    txHash: Hash,
    fields: { settleMs?: number; deliveredAt?: number; txCallIndex?: number | null } = {},
  ) {
    return this.transition(id, {
      from: ['settling', 'pending', 'unpaid'],
      to: 'settled',
      set: { txHash, settledAt: this.now(), failureReason: null, ...fields },
    })
  }

  markFailed(id: string, outcome: SettleFailure) {
    return this.transition(id, { from: ['settling', 'pending'], to: 'failed', set: failureFields(outcome) })
  }

  /** Broadcast, not confirmed: `reason` says why it is still open. */
  markPending(id: string, outcome: SettleFailure) {
    return this.transition(id, { from: ['settling'], to: 'pending', set: failureFields(outcome) })
  }

  get(id: string): Promise<Payment | undefined> {
    return getPayment(this.db, id)
  }

  /** `pending` rows, and `settling` rows untouched since `staleBefore` (their request is gone: a crash). */
  unresolved(staleBefore: number, limit?: number): Promise<Payment[]> {
    return listUnresolvedPayments(this.db, { staleBefore, limit })
  }

  /** Releases `reserved`/`verified` rows untouched since `updatedBefore` (their request died); returns them. */
  releaseAbandoned(updatedBefore: number): Promise<Payment[]> {
    return retryWhileBusy('release abandoned', () =>
      releaseAbandonedReservations(this.db, updatedBefore, this.now()),
    )
  }

  /** Deletes up to `limit` `released` rows untouched since `updatedBefore`; returns how many. */
  pruneReleased(updatedBefore: number, limit: number): Promise<number> {
    return retryWhileBusy('prune released', () => pruneReleasedPayments(this.db, updatedBefore, limit))
  }

  private transition(
    id: string,
    { from, to, set }: Omit<PaymentTransition, 'id' | 'fields'> & { set: Fields },
  ) {
    return retryWhileBusy(`mark ${to}`, () =>
      transitionPayment(this.db, { id, from, to, fields: { ...set, updatedAt: this.now() } }),
    )
  }
}
