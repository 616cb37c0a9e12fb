import type { Abi, Hash } from 'viem'
import type { BroadcastResult, ContractCall, OnSigned, Relayer } from './relayer'

/**
 * The settlement Durable Object as this module needs it: `send` runs the key's Relayer there and calls `onSigned`
 * back (Workers RPC turns the function into a stub) before it broadcasts. Structural, so chain/ knows no Workers types.
 */
export interface RelayerEndpoint {
  send(call: ContractCall<Abi, string>, onSigned: OnSigned): Promise<BroadcastResult>
}

/**
 * A `Pick<Relayer, 'send'>` for one isolate among many: every send goes to the one Durable Object that owns the
 * settlement key's nonce sequence, so concurrent settlements from any isolate never collide. The contract is the
 * Relayer's own: the DO signs, awaits `onSigned(hash)` here (the ledger stores the hash in D1), and only then
 * broadcasts; if the hook fails, nothing is broadcast and the hook's own error is rethrown, not the RPC's copy of it.
 * `endpoint` is called per send: a stub that saw an error should not be reused.
 */
export function durableRelayer(endpoint: () => RelayerEndpoint): Pick<Relayer, 'send'> {
  return {
    async send(call, onSigned) {
      let hookError: unknown
      const recordFirst = async (hash: Hash, callIndex?: number) => {
        try {
          await onSigned(hash, callIndex)
        } catch (error) {
          hookError = error
          throw error
        }
      }
      try {
        return await endpoint().send(call as unknown as ContractCall<Abi, string>, recordFirst)
      } catch (error) {
        throw hookError ?? error
      }
    },
  }
}
