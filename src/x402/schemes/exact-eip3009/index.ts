import type { Hash } from 'viem'
import type { ResolveOutcome, SettleHooks, SettleOutcome, VerifyOutcome } from '../../facilitator'
import type { Eip3009PaymentAttempt } from '../../match'
import { type Eip3009SettleDeps, resolveExactEip3009, settleExactEip3009 } from './settle'
import { type Eip3009VerifyDeps, verifyExactEip3009 } from './verify'

/** The `exact` scheme's EIP-3009 transfer method, self-facilitated: verification and settlement in-process with viem. */
export interface ExactEip3009Scheme {
  verify(attempt: Eip3009PaymentAttempt): Promise<VerifyOutcome>
  settle(attempt: Eip3009PaymentAttempt, hooks: SettleHooks): Promise<SettleOutcome>
  resolve(attempt: Eip3009PaymentAttempt, txHash: Hash | null): Promise<ResolveOutcome>
}

export function createExactEip3009Scheme(deps: Eip3009VerifyDeps & Eip3009SettleDeps): ExactEip3009Scheme {
  return {
    verify: (attempt) => verifyExactEip3009(deps, attempt),
    settle: (attempt, hooks) => settleExactEip3009(deps, attempt, hooks),
    resolve: (attempt, txHash) => resolveExactEip3009(deps, attempt, txHash),
  }
}
