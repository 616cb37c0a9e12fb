import {
  type Abi,
  type Address,
  decodeErrorResult,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  multicall3Abi,
  type PublicClient,
} from 'viem'
import { CANONICAL } from '../config/networks'

export interface AggregateCall {
  target: Address
  callData: Hex
}

export interface AggregateResult {
  success: boolean
  /** The call's return data, or its revert data when it failed. */
  returnData: Hex
}

export interface AggregateCallsParameters {
  calls: readonly AggregateCall[]
  /** Who sends the outer call (the settlement key: the calls run as Multicall3, as a batched settlement does). */
  account?: Address
  /** Block timestamp to simulate at (wall-clock time: an idle chain's last block lags). */
  time?: bigint
}

/**
 * Runs several calls in ONE `eth_call` through Multicall3 `aggregate3`, each allowed to fail on its own, and returns
 * every call's outcome. Throws what the transport throws (the caller decides it is a chain outage).
 *
 * @example
 * const [balance, used] = await aggregateCalls(client, { calls: [balanceCall, stateCall], time: now })
 */
export async function aggregateCalls(
  client: Pick<PublicClient, 'call'>,
  { calls, account, time }: AggregateCallsParameters,
): Promise<AggregateResult[]> {
  const { data } = await client.call({
    to: CANONICAL.multicall3,
    account,
    data: encodeFunctionData({
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [calls.map((call) => ({ ...call, allowFailure: true }))],
    }),
    ...(time === undefined ? {} : { blockOverrides: { time } }),
  })
  const results = decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data: data ?? '0x' })
  return results.map((r) => ({ success: r.success, returnData: r.returnData }))
}

/** A failed call's revert in words: its `Error(string)` reason, a named custom error of `abi`, or its selector. */
export function revertText(returnData: Hex, abi: Abi = []): string {
  if (returnData === '0x') return 'reverted without a reason'
  try {
    const decoded = decodeErrorResult({ abi, data: returnData })
    if (decoded.errorName === 'Error') return String(decoded.args?.[0])
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`
  } catch {
    return `custom error ${returnData.slice(0, 10)}`
  }
}
