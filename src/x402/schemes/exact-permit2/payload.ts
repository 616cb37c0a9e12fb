import { type Address, getAddress, type Hex } from 'viem'
import { parseWire } from '../../codec'
import type { Offer } from '../../offers'
import { ExactPermit2Payload, type Permit2AuthorizationWire } from '../../schemas'
import type { SchemePayload } from '../scheme'

/** A decoded Permit2 payment bound to the offer whose terms it matches; `payer` is `permit2Authorization.from`. */
export interface Permit2Attempt {
  offer: Offer
  payload: ExactPermit2Payload
  payer: Address
}

/** Checksummed whatever the case on the wire (viem's getAddress throws on a mixed-case address with a bad checksum). */
export const checksummed = (address: string): Address => getAddress(address.toLowerCase())

/** The signed message, typed for viem (`permitWitnessTransferFromTypes`). */
export function permit2Message(auth: Permit2AuthorizationWire) {
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

/** Permit2 payloads: the permit's owner pays; the replay key is its Permit2 nonce (a uint256, kept in decimal). */
export const permit2Payload: SchemePayload<'permit2'> = {
  method: 'permit2',
  parsePayload: (payload) => parseWire(payload, ExactPermit2Payload, 'payload'),
  authorization: ({ permit2Authorization: permit }) => ({
    payer: permit.from,
    nonce: BigInt(permit.nonce).toString(),
    validBefore: Math.min(Number(permit.deadline), Number.MAX_SAFE_INTEGER),
  }),
}
