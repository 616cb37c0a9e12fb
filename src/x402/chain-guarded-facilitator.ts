import type { ChainIdGuard } from '../chain/chain-id-guard'
import { shortMessage } from '../chain/errors'
import type { Facilitator } from './facilitator'
import { Reason } from './reasons'

/**
 * A facilitator that acts only while the RPC is on our chain (chain/chain-id-guard.ts). Verification and resolution
 * throw the guard's ChainUnavailableError (the core answers 503 verification_unavailable, nothing charged; the
 * reconciler retries later); a settlement is not sent at all and fails as `settlement_unavailable`, so its payment is
 * released rather than broadcast to, or confirmed by, a chain that is not ours.
 */
export function chainGuardedFacilitator(
  facilitator: Facilitator,
  guard: Pick<ChainIdGuard, 'assertMatches'>,
): Facilitator {
  return {
    kind: facilitator.kind,
    async verify(attempt) {
      await guard.assertMatches()
      return facilitator.verify(attempt)
    },
    async settle(attempt, hooks) {
      try {
        await guard.assertMatches()
      } catch (error) {
        return {
          status: 'failed',
          reason: Reason.settlementUnavailable,
          message: `not sent: ${shortMessage(error)}`,
        }
      }
      return facilitator.settle(attempt, hooks)
    },
    async resolve(attempt, txHash) {
      await guard.assertMatches()
      return facilitator.resolve(attempt, txHash)
    },
  }
}
