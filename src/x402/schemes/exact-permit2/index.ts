import type { Hash } from 'viem'
import type { ResolveOutcome, SettleHooks, SettleOutcome, VerifyOutcome } from '../../facilitator'
import type { SchemePayload } from '../scheme'
import { type Permit2Attempt, permit2Payload } from './payload'
import { type Permit2SettleDeps, resolveExactPermit2, settleExactPermit2 } from './settle'
import { type Permit2VerifyDeps, verifyExactPermit2 } from './verify'

export { Permit2Reason } from './errors'
export type { Permit2Attempt } from './payload'

/**
 * The `exact` scheme's Permit2 transfer method (TMAI), self-facilitated through the x402 exact Permit2 proxy. Its
 * methods need only the offer, payload and payer of an attempt, so it is a `PaymentScheme<'permit2'>` and can also be
 * driven directly (the scheme's own tests do).
 */
export interface ExactPermit2Scheme extends SchemePayload<'permit2'> {
  verify(attempt: Permit2Attempt): Promise<VerifyOutcome>
  settle(attempt: Permit2Attempt, hooks: SettleHooks): Promise<SettleOutcome>
  /** Decides a pending payment from chain state (receipt, Permit2 nonce bitmap, Transfer logs). */
  resolve(attempt: Permit2Attempt, txHash: Hash | null): Promise<ResolveOutcome>
}

export function createExactPermit2Scheme(deps: Permit2VerifyDeps & Permit2SettleDeps): ExactPermit2Scheme {
  return {
    ...permit2Payload,
    verify: (attempt) => verifyExactPermit2(deps, attempt),
    settle: (attempt, hooks) => settleExactPermit2(deps, attempt, hooks),
    resolve: (attempt, txHash) => resolveExactPermit2(deps, attempt, txHash),
  }
}
