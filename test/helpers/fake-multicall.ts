/**
 * A chain port that answers one Multicall3 `aggregate3` eth_call the way a node would, subcall by subcall, from
 * answers a test sets: for verifiers that prove everything in one round trip.
 */
import {
  type Abi,
  type Address,
  decodeFunctionData,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionResult,
  type Hex,
  multicall3Abi,
  parseAbi,
} from 'viem'

export interface SubCall {
  target: Address
  /** `ecrecover` for the precompile; the decoded function name otherwise. */
  functionName: string
  args: readonly unknown[]
}

/** What one subcall gives: a value to ABI-encode (for `abi`'s function), a revert reason, or raw return data. */
export type SubAnswer = { value: unknown } | { revert: string } | { raw: Hex }

export interface CallRecord {
  account?: unknown
  blockOverrides?: unknown
  calls: SubCall[]
}

const erc1271 = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])

/**
 * `client.call` over `abis`: decodes the aggregate3, asks `answer` for each subcall (throw from it to simulate an
 * outage: the whole call then fails), and encodes the aggregate result.
 */
export function fakeAggregateClient(abis: Abi[], answer: (call: SubCall) => SubAnswer) {
  const records: CallRecord[] = []
  const abi = [...abis.flat(), ...erc1271] as Abi
  const call = async (request: { data?: Hex; account?: unknown; blockOverrides?: unknown }) => {
    const decoded = decodeFunctionData({ abi: multicall3Abi, data: request.data! })
    if (decoded.functionName !== 'aggregate3') throw new Error(`unexpected ${decoded.functionName}`)
    const record: CallRecord = { account: request.account, blockOverrides: request.blockOverrides, calls: [] }
    records.push(record)
    const results = decoded.args[0].map((sub) => {
      const target = sub.target
      const isPrecompile = /^0x0{39}1$/i.test(target)
      const inner = isPrecompile
        ? { functionName: 'ecrecover', args: [] as readonly unknown[] }
        : decodeFunctionData({ abi, data: sub.callData })
      const subCall: SubCall = { target, functionName: inner.functionName, args: inner.args ?? [] }
      record.calls.push(subCall)
      const given = answer(subCall)
      if ('raw' in given) return { success: true, returnData: given.raw }
      if ('revert' in given) {
        return {
          success: false,
          returnData: encodeErrorResult({
            abi: parseAbi(['error Error(string)']),
            errorName: 'Error',
            args: [given.revert],
          }),
        }
      }
      if (isPrecompile) {
        return {
          success: true,
          returnData: encodeAbiParameters([{ type: 'address' }], [given.value as Address]),
        }
      }
      return {
        success: true,
        returnData: encodeFunctionResult({
          abi,
          functionName: inner.functionName,
          result: given.value,
        } as never),
      }
    })
    return { data: encodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', result: results }) }
  }
  return { call: call as never, records }
}
