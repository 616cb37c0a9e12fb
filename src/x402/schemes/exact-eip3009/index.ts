import type { Facilitator } from '../../facilitator'
import { type Eip3009SettleDeps, resolveExactEip3009, settleExactEip3009 } from './settle'
import { type Eip3009VerifyDeps, verifyExactEip3009 } from './verify'

/** The self-facilitated EIP-3009 `exact` scheme: verification and settlement in-process with viem. */
export function createSelfFacilitator(deps: Eip3009VerifyDeps & Eip3009SettleDeps): Facilitator {
  return {
    kind: 'self',
    verify: (attempt) => verifyExactEip3009(deps, attempt),
    settle: (attempt, hooks) => settleExactEip3009(deps, attempt, hooks),
    resolve: (attempt, txHash) => resolveExactEip3009(deps, attempt, txHash),
  }
}
