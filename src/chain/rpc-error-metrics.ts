import { BaseError, type Transport } from 'viem'
import type { PaymentMetrics } from '../lib/metrics'

/** EIP-1474 "execution reverted": the node answered, the contract said no (a refused payment, not an outage). */
const EXECUTION_REVERTED = 3

function isRevert(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  const coded = error.walk((e) => typeof (e as { code?: unknown }).code === 'number') as {
    code?: number
  } | null
  if (coded?.code === EXECUTION_REVERTED) return true
  return /revert/i.test(error.shortMessage) || /revert/i.test(error.details ?? '')
}

/**
 * Wraps a viem transport so every failed JSON-RPC call (after the transport's own retries) counts in
 * `x402_rpc_errors_total{call="<method>"}`. Contract reverts are answers, not errors, and are not counted.
 *
 * @example
 * createPublicClient({ transport: withRpcErrorMetrics(http(rpcUrl), metrics) })
 */
export function withRpcErrorMetrics<T extends Transport>(
  transport: T,
  metrics: Pick<PaymentMetrics, 'recordRpcError'>,
): T {
  const wrapped: Transport = (options) => {
    const inner = transport(options)
    const request: typeof inner.request = async (args, requestOptions) => {
      try {
        return await inner.request(args, requestOptions)
      } catch (error) {
        if (!isRevert(error)) metrics.recordRpcError({ call: args.method })
        throw error
      }
    }
    return { ...inner, request }
  }
  return wrapped as T
}
