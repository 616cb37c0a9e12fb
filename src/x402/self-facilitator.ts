import type { Facilitator } from './facilitator'
import type { ExactEip3009Scheme } from './schemes/exact-eip3009'
import type { ExactPermit2Scheme } from './schemes/exact-permit2'

/**
 * Self-facilitation: each payment goes to its transfer method's scheme (EIP-3009 for USDC, Permit2 for TMAI), all
 * in-process with viem and our relayer.
 */
export function createSelfFacilitator(schemes: {
  eip3009: ExactEip3009Scheme
  permit2: ExactPermit2Scheme
}): Facilitator {
  return {
    kind: 'self',
    verify: (attempt) =>
      attempt.method === 'eip3009' ? schemes.eip3009.verify(attempt) : schemes.permit2.verify(attempt),
    settle: (attempt, hooks) =>
      attempt.method === 'eip3009'
        ? schemes.eip3009.settle(attempt, hooks)
        : schemes.permit2.settle(attempt, hooks),
    resolve: (attempt, txHash) =>
      attempt.method === 'eip3009'
        ? schemes.eip3009.resolve(attempt, txHash)
        : schemes.permit2.resolve(attempt, txHash),
  }
}
