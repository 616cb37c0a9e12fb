import type { Hash } from 'viem'
import type { TransferMethod } from '../../config/networks'
import type { AttemptOf, AuthorizationKey, PaymentAttempt } from '../attempt'
import type { DecodeResult } from '../codec'
import type { ResolveOutcome, SettleHooks, SettleOutcome, VerifyOutcome } from '../facilitator'

/** The pure half of a transfer method: reading its wire payload. Matching needs only this. */
export interface SchemePayload<M extends TransferMethod> {
  readonly method: M
  /** Validates `payload` (the x402 `payload` field); every failure is a value naming the bad field. */
  parsePayload(payload: unknown): DecodeResult<AttemptOf<M>['payload']>
  /** Who pays, and the on-chain replay key the ledger reserves. */
  authorization(payload: AttemptOf<M>['payload']): AuthorizationKey
}

/**
 * One transfer method of the `exact` scheme, self-facilitated: parse, verify (expected failures as values; a
 * ChainUnavailableError when the chain cannot be asked), settle (hash handed to `hooks.onTxHash` before broadcast) and
 * resolve a payment from chain state alone.
 */
export interface PaymentScheme<M extends TransferMethod = TransferMethod> extends SchemePayload<M> {
  verify(attempt: AttemptOf<M>): Promise<VerifyOutcome>
  settle(attempt: AttemptOf<M>, hooks: SettleHooks): Promise<SettleOutcome>
  resolve(attempt: AttemptOf<M>, txHash: Hash | null): Promise<ResolveOutcome>
}

export type PayloadRegistry = { readonly [M in TransferMethod]: SchemePayload<M> }
export type SchemeRegistry = { readonly [M in TransferMethod]: PaymentScheme<M> }

/** A scheme seen through the attempt it is asked about (the one place the method-keyed registry is dispatched). */
interface SchemeForAttempt {
  verify(attempt: PaymentAttempt): Promise<VerifyOutcome>
  settle(attempt: PaymentAttempt, hooks: SettleHooks): Promise<SettleOutcome>
  resolve(attempt: PaymentAttempt, txHash: Hash | null): Promise<ResolveOutcome>
}

/** The scheme of `attempt.method`; the registry is keyed by method, so that scheme accepts exactly this attempt. */
export function schemeFor(registry: SchemeRegistry, attempt: PaymentAttempt): SchemeForAttempt {
  return registry[attempt.method] as unknown as SchemeForAttempt
}

/** The payload reader of a transfer method (same correlation as `schemeFor`). */
export function payloadReaderFor(
  registry: PayloadRegistry,
  method: TransferMethod,
): SchemePayload<TransferMethod> & {
  authorization(payload: PaymentAttempt['payload']): AuthorizationKey
} {
  return registry[method] as unknown as SchemePayload<TransferMethod> & {
    authorization(payload: PaymentAttempt['payload']): AuthorizationKey
  }
}
