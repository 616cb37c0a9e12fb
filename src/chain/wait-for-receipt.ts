import { type Hash, type PublicClient, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem'

export type WaitForReceiptResult =
  | { status: 'mined'; receipt: TransactionReceipt }
  /** No receipt within the timeout; `lastError` when the chain could not be asked (rather than not mined yet). */
  | { status: 'timeout'; lastError?: unknown }

/**
 * Polls for a transaction's receipt until it exists or `timeoutMs` has passed: soon after the broadcast first (a node
 * may answer the hash a moment before the block holding it is sealed), then every `intervalMs`. Used instead of
 * viem's `waitForTransactionReceipt`, which shares one block-number poller among a client's concurrent waiters: a
 * waiter that joins after its transaction's block was already seen is woken only by the next block, and on a chain
 * that mines only on demand (the devnet) that block may never come — concurrent settlements then time out although
 * their transactions were mined.
 */
export async function waitForReceipt(
  client: Pick<PublicClient, 'getTransactionReceipt'>,
  hash: Hash,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<WaitForReceiptResult> {
  const deadline = Date.now() + options.timeoutMs
  const interval = options.intervalMs ?? 250
  let lastError: unknown
  for (let attempt = 0; ; attempt++) {
    try {
      return { status: 'mined', receipt: await client.getTransactionReceipt({ hash }) }
    } catch (error) {
      lastError = error instanceof TransactionReceiptNotFoundError ? undefined : error
    }
    const left = deadline - Date.now()
    if (left <= 0) return { status: 'timeout', lastError }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, 10 * 2 ** attempt, left)))
  }
}
