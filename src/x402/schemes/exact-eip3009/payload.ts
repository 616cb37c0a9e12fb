import { parseWire } from '../../codec'
import { ExactEip3009Payload } from '../../schemas'
import type { SchemePayload } from '../scheme'

/** Unix seconds beyond any real deadline; keeps absurd `validBefore` values an integer in the ledger. */
const MAX_SECONDS = Number.MAX_SAFE_INTEGER

/** EIP-3009 `transferWithAuthorization` payloads: the authorizer pays; the replay key is its 32-byte nonce. */
export const eip3009Payload: SchemePayload<'eip3009'> = {
  method: 'eip3009',
  parsePayload: (payload) => parseWire(payload, ExactEip3009Payload, 'payload'),
  authorization: ({ authorization }) => ({
    payer: authorization.from,
    nonce: authorization.nonce.toLowerCase(),
    validBefore: Math.min(Number(authorization.validBefore), MAX_SECONDS),
  }),
}
