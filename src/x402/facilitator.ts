import type { Hash } from 'viem'
import type { PaymentAttempt } from './attempt'
import type { Reason } from './reasons'

export type VerifyOutcome = { ok: true } | { ok: false; reason: Reason | string; message: string }

export type SettleOutcome =
  /** `callIndex`: the payment's call inside a batched transaction (absent for a transaction of its own). */
  | { status: 'settled'; txHash: Hash; callIndex?: number }
  | { status: 'failed'; reason: Reason | string; message: string; txHash?: Hash }
  /** Broadcast but not confirmed in time: the ledger keeps it `pending` for the reconciler. */
  | { status: 'pending'; txHash?: Hash; message: string }

export type ResolveOutcome =
  | { status: 'settled'; txHash: Hash }
  | { status: 'failed'; reason: string }
  | { status: 'unresolved' }

export interface SettleHooks {
  /**
   * Called with the tx hash before broadcast (self-facilitated) so it is stored before we wait; again with the new hash
   * when a stuck transaction is replaced. `callIndex`: the payment's call inside a batched transaction.
   */
  onTxHash(hash: Hash, callIndex?: number): Promise<void>
}

/** A remote facilitator could not be asked (network, timeout, 5xx, unreadable answer). */
export class FacilitatorUnavailableError extends Error {
  override name = 'FacilitatorUnavailableError'
}

/**
 * What verifies and settles a payment: in-process with viem (self-facilitated) or a remote x402 facilitator.
 * Expected outcomes are values; a ChainUnavailableError/FacilitatorUnavailableError means "could not ask" (fail closed).
 */
export interface Facilitator {
  readonly kind: 'self' | 'remote'
  verify(attempt: PaymentAttempt): Promise<VerifyOutcome>
  settle(attempt: PaymentAttempt, hooks: SettleHooks): Promise<SettleOutcome>
  /** Decides a pending payment from chain state (receipt, authorization state, Transfer logs). */
  resolve(attempt: PaymentAttempt, txHash: Hash | null): Promise<ResolveOutcome>
}
