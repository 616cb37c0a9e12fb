import type { PaymentScheme } from '../scheme'
import { eip3009Payload } from './payload'
import { type Eip3009SettleDeps, resolveExactEip3009, settleExactEip3009 } from './settle'
import { type Eip3009VerifyDeps, verifyExactEip3009 } from './verify'

export type ExactEip3009Scheme = PaymentScheme<'eip3009'>

/** The `exact` scheme's EIP-3009 transfer method (USDC), self-facilitated: verification and settlement with viem. */
export function createExactEip3009Scheme(deps: Eip3009VerifyDeps & Eip3009SettleDeps): ExactEip3009Scheme {
  return {
    ...eip3009Payload,
    verify: (attempt) => verifyExactEip3009(deps, attempt),
    settle: (attempt, hooks) => settleExactEip3009(deps, attempt, hooks),
    resolve: (attempt, txHash) => resolveExactEip3009(deps, attempt, txHash),
  }
}
