import type { Hash } from 'viem'
import type { ResolveOutcome, SettleHooks, SettleOutcome, VerifyOutcome } from '../../facilitator'
import type { Permit2Attempt } from './payload'
import { type Permit2SettleDeps, resolveExactPermit2, settleExactPermit2 } from './settle'
import { type Permit2VerifyDeps, verifyExactPermit2 } from './verify'

export { Permit2Reason } from './errors'
export { ExactPermit2Payload, type Permit2Attempt } from './payload'

/** The `exact` scheme's Permit2 transfer method, self-facilitated: what the payment flow calls for a Permit2 offer. */
export interface ExactPermit2Scheme {
  verify(attempt: Permit2Attempt): Promise<VerifyOutcome>
  settle(attempt: Permit2Attempt, hooks: SettleHooks): Promise<SettleOutcome>
  /** Decides a pending payment from chain state (receipt, Permit2 nonce bitmap, Transfer logs). */
  resolve(attempt: Permit2Attempt, txHash: Hash | null): Promise<ResolveOutcome>
}

/** Verification and settlement in-process with viem, through the x402 exact Permit2 proxy. */
export function createExactPermit2Scheme(deps: Permit2VerifyDeps & Permit2SettleDeps): ExactPermit2Scheme {
  return {
    verify: (attempt) => verifyExactPermit2(deps, attempt),
    settle: (attempt, hooks) => settleExactPermit2(deps, attempt, hooks),
    resolve: (attempt, txHash) => resolveExactPermit2(deps, attempt, txHash),
  }
}
