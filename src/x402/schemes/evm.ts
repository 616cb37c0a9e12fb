import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  hexToBigInt,
  isAddressEqual,
  parseAbi,
  size,
  slice,
} from 'viem'
import type { AggregateCall, AggregateResult } from '../../chain/aggregate-calls'

/** EVM facts shared by both transfer methods of the `exact` scheme. */

/** ERC-6492 wrapper suffix: a signature from a smart wallet that is not deployed yet. */
export const ERC6492_MAGIC_SUFFIX = '6492649264926492649264926492649264926492649264926492649264926492'

/** Block-time headroom: an authorization must stay valid at least this long (as x402 facilitators require). */
export const MIN_VALIDITY_SECONDS = 6n

/** True for an ERC-6492-wrapped signature (counterfactual smart wallet), which we refuse rather than deploy. */
export const isErc6492Signature = (signature: string): boolean =>
  signature.toLowerCase().endsWith(ERC6492_MAGIC_SUFFIX)

/** The ecrecover precompile: an EOA signature is checked on the node, in the same round trip as everything else. */
const ECRECOVER = '0x0000000000000000000000000000000000000001' as const
const erc1271Abi = parseAbi([
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
])
const ERC1271_MAGIC = '0x1626ba7e'

/**
 * The two calls that prove `signature` over `digest` by `signer` inside one multicall, as viem's `verifyTypedData`
 * decides it: an EOA's signature through ecrecover, a smart wallet's through its ERC-1271 `isValidSignature`.
 */
export function signatureCalls(signer: Address, digest: Hex, signature: Hex): [AggregateCall, AggregateCall] {
  let recover: AggregateCall = { target: ECRECOVER, callData: '0x' }
  if (size(signature) === 65) {
    const v = Number(hexToBigInt(slice(signature, 64, 65)))
    recover = {
      target: ECRECOVER,
      callData: encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint8' }, { type: 'bytes32' }, { type: 'bytes32' }],
        [digest, v < 27 ? v + 27 : v, slice(signature, 0, 32), slice(signature, 32, 64)],
      ),
    }
  }
  return [
    recover,
    {
      target: signer,
      callData: encodeFunctionData({
        abi: erc1271Abi,
        functionName: 'isValidSignature',
        args: [digest, signature],
      }),
    },
  ]
}

/** Whether the results of `signatureCalls` show a valid signature by `signer`. */
export function signatureValid(signer: Address, [recovered, erc1271]: AggregateResult[]): boolean {
  if (recovered?.success && size(recovered.returnData) === 32) {
    const address = slice(recovered.returnData, 12, 32)
    if (isAddressEqual(address, signer)) return true
  }
  return (
    erc1271?.success === true &&
    size(erc1271.returnData) >= 4 &&
    slice(erc1271.returnData, 0, 4).toLowerCase() === ERC1271_MAGIC
  )
}
