import { type PublicClient, type TransactionReceipt, WaitForTransactionReceiptTimeoutError } from 'viem'
import { ChainUnavailableError } from '../../chain/errors'
import type { BroadcastResult } from '../../chain/relayer'
import { type WaitForReceiptResult, waitForReceipt } from '../../chain/wait-for-receipt'
import type { ResolveOutcome, SettleOutcome } from '../facilitator'

export interface ConfirmSettlementArgs {
  sent: BroadcastResult
  client: Pick<PublicClient, 'getTransactionReceipt'>
  receiptTimeoutMs: number
  /** Whether the receipt carries the Transfer this payment promised (right token, payer, payTo, amount). */
  paidUs(receipt: TransactionReceipt): boolean
  /** Asks the chain who used the authorization: a front-run that still paid us counts as settled. */
  resolve(): Promise<ResolveOutcome>
  reasons: {
    rejected(revert: string): { reason: string; message: string }
    transferEventMismatch: string
    transactionFailed: string
  }
}

/**
 * The common tail of every scheme's settlement: after the relayer broadcast (or refused) the transaction, wait for the
 * receipt up to the timeout (a timeout is `pending`, never `failed`), require the promised Transfer, and before
 * declaring failure ask the chain whether someone else's transaction paid us anyway.
 */
export async function confirmSettlement(args: ConfirmSettlementArgs): Promise<SettleOutcome> {
  const { sent } = args
  if (sent.status === 'rejected') {
    const resolved = await args.resolve()
    if (resolved.status === 'settled') return resolved
    return { status: 'failed', ...args.reasons.rejected(sent.reason) }
  }
  if (sent.status === 'unknown') return { status: 'pending', txHash: sent.hash, message: sent.error }

  // The relayer's own wait follows replacements and serves every transaction in flight from one poll; without one, a
  // per-waiter poll (viem's shared block poller can miss a block on a chain that mines on demand).
  const waited: WaitForReceiptResult = sent.waitForReceipt
    ? await sent.waitForReceipt(args.receiptTimeoutMs).then(
        (receipt) => ({ status: 'mined' as const, receipt }),
        (error: unknown) => ({
          status: 'timeout' as const,
          lastError: error instanceof WaitForTransactionReceiptTimeoutError ? undefined : error,
        }),
      )
    : await waitForReceipt(args.client, sent.hash, { timeoutMs: args.receiptTimeoutMs })
  if (waited.status === 'timeout') {
    const message =
      waited.lastError === undefined
        ? 'no receipt within the settlement timeout'
        : new ChainUnavailableError('receipt', { cause: waited.lastError }).message
    return { status: 'pending', txHash: sent.hash, message }
  }
  const receipt: TransactionReceipt = waited.receipt
  // A replacement may be what was mined: the receipt names the transaction that really settled.
  const txHash = receipt.transactionHash
  if (receipt.status === 'success' && args.paidUs(receipt)) {
    return {
      status: 'settled',
      txHash,
      ...(sent.callIndex === undefined ? {} : { callIndex: sent.callIndex }),
    }
  }
  const resolved = await args.resolve()
  if (resolved.status === 'settled') return resolved
  if (receipt.status === 'success' && sent.callIndex !== undefined) {
    // The batch went through, this one call of it did not (allowFailure): it fails alone.
    return {
      status: 'failed',
      reason: args.reasons.transactionFailed,
      message: `call ${sent.callIndex} of the batched settlement reverted`,
      txHash,
    }
  }
  return receipt.status === 'success'
    ? {
        status: 'failed',
        reason: args.reasons.transferEventMismatch,
        message: 'no matching Transfer event',
        txHash,
      }
    : {
        status: 'failed',
        reason: args.reasons.transactionFailed,
        message: 'settlement transaction reverted',
        txHash,
      }
}
