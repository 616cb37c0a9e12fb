import type { Facilitator } from './facilitator'
import { type SchemeRegistry, schemeFor } from './schemes/scheme'

/**
 * Self-facilitation: each payment goes to its transfer method's scheme (EIP-3009 for USDC, Permit2 for TMAI), all
 * in-process with viem and our relayer.
 */
export function createSelfFacilitator(schemes: SchemeRegistry): Facilitator {
  return {
    kind: 'self',
    verify: (attempt) => schemeFor(schemes, attempt).verify(attempt),
    settle: (attempt, hooks) => schemeFor(schemes, attempt).settle(attempt, hooks),
    resolve: (attempt, txHash) => schemeFor(schemes, attempt).resolve(attempt, txHash),
  }
}
