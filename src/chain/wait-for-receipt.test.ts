import { type Hash, type TransactionReceipt, TransactionReceiptNotFoundError } from 'viem'
import { describe, expect, it } from 'vitest'
import { waitForReceipt } from './wait-for-receipt'

const hash = `0x${'ab'.repeat(32)}` as Hash
const receipt = { transactionHash: hash, status: 'success' } as TransactionReceipt

/** A chain that answers "not mined" `misses` times, then the receipt (or keeps failing with `error`). */
function chain(misses: number, error?: Error) {
  let calls = 0
  return {
    calls: () => calls,
    client: {
      getTransactionReceipt: async () => {
        calls++
        if (error) throw error
        if (calls <= misses) throw new TransactionReceiptNotFoundError({ hash })
        return receipt
      },
    },
  }
}

describe('waitForReceipt', () => {
  it('asks again until the receipt exists, each waiter on its own (no shared block poller to miss)', async () => {
    const chains = Array.from({ length: 5 }, (_, i) => chain(i))
    const results = await Promise.all(
      chains.map((c) => waitForReceipt(c.client, hash, { timeoutMs: 5_000, intervalMs: 5 })),
    )
    expect(results).toEqual(chains.map(() => ({ status: 'mined', receipt })))
    expect(chains.map((c) => c.calls())).toEqual([1, 2, 3, 4, 5])
  })

  it('a transaction never mined times out without an error', async () => {
    expect(
      await waitForReceipt(chain(Number.POSITIVE_INFINITY).client, hash, { timeoutMs: 30, intervalMs: 5 }),
    ).toEqual({
      status: 'timeout',
      lastError: undefined,
    })
  })

  it('a chain that cannot be asked times out with the last error', async () => {
    const down = new Error('connect ECONNREFUSED')
    const result = await waitForReceipt(chain(0, down).client, hash, { timeoutMs: 30, intervalMs: 5 })
    expect(result).toEqual({ status: 'timeout', lastError: down })
  })
})
