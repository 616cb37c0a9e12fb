import { type Address, getAddress, type Hex, maxUint256 } from 'viem'
import { z } from 'zod'
import type { Offer } from '../../offers'
import { EvmAddress, HexSignature } from '../../schemas'

/** A uint256 in decimal: x402 clients send the Permit2 nonce as a random 256-bit integer, so up to 78 digits. */
const Uint256String = z
  .string()
  .regex(/^[0-9]{1,78}$/, 'a non-negative integer string')
  .refine((value) => BigInt(value) <= maxUint256, 'at most 2^256 - 1')

/** `payload.permit2Authorization` as x402 v2 clients send it (@x402/evm 2.27 `ExactPermit2Payload`). */
export const Permit2Authorization = z.object({
  from: EvmAddress,
  permitted: z.object({ token: EvmAddress, amount: Uint256String }),
  /** The x402 exact Permit2 proxy: the only contract allowed to use the signature. */
  spender: EvmAddress,
  nonce: Uint256String,
  deadline: Uint256String,
  witness: z.object({ to: EvmAddress, validAfter: Uint256String }),
})
export type Permit2Authorization = z.infer<typeof Permit2Authorization>

export const ExactPermit2Payload = z.object({
  signature: HexSignature,
  permit2Authorization: Permit2Authorization,
})
export type ExactPermit2Payload = z.infer<typeof ExactPermit2Payload>

/** A decoded Permit2 payment bound to the offer whose terms it matches; `payer` is `permit2Authorization.from`. */
export interface Permit2Attempt {
  offer: Offer
  payload: ExactPermit2Payload
  payer: Address
}

/** Checksummed whatever the case on the wire (viem's getAddress throws on a mixed-case address with a bad checksum). */
export const checksummed = (address: string): Address => getAddress(address.toLowerCase())

/** The signed message, typed for viem (`permitWitnessTransferFromTypes`). */
export function permit2Message(auth: Permit2Authorization) {
  return {
    permitted: { token: checksummed(auth.permitted.token), amount: BigInt(auth.permitted.amount) },
    spender: checksummed(auth.spender),
    nonce: BigInt(auth.nonce),
    deadline: BigInt(auth.deadline),
    witness: { to: checksummed(auth.witness.to), validAfter: BigInt(auth.witness.validAfter) },
  }
}

/** Arguments of the proxy's `settle(permit, owner, witness, signature)`, the one call settlement makes. */
export function settleArgs(payload: ExactPermit2Payload) {
  const message = permit2Message(payload.permit2Authorization)
  return [
    { permitted: message.permitted, nonce: message.nonce, deadline: message.deadline },
    checksummed(payload.permit2Authorization.from),
    message.witness,
    payload.signature as Hex,
  ] as const
}

/** Where Permit2 keeps an unordered nonce: word `nonce >> 8` of the owner's bitmap, bit `nonce & 0xff`. */
export function nonceBitPosition(nonce: bigint): { wordPos: bigint; bit: bigint } {
  return { wordPos: nonce >> 8n, bit: 1n << (nonce & 0xffn) }
}
