import { type PublicClient, type TransactionReceipt, WaitForTransactionReceiptTimeoutError } from 'viem'
import { ChainUnavailableError } from '../../chain/errors'
import type { BroadcastResult } from '../../chain/relayer'
import type { ResolveOutcome, SettleOutcome } from '../facilitator'

export interface ConfirmSettlementArgs {
  sent: BroadcastResult
  client: Pick<PublicClient, 'waitForTransactionReceipt'>
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

  let receipt: TransactionReceipt
  try {
    // The relayer's own wait follows replacements and serves every transaction in flight from one poll.
    receipt = sent.waitForReceipt
      ? await sent.waitForReceipt(args.receiptTimeoutMs)
      : await args.client.waitForTransactionReceipt({ hash: sent.hash, timeout: args.receiptTimeoutMs })
  } catch (error) {
    const message =
      error instanceof WaitForTransactionReceiptTimeoutError
        ? 'no receipt within the settlement timeout'
        : new ChainUnavailableError('receipt', { cause: error }).message
    return { status: 'pending', txHash: sent.hash, message }
  }
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
