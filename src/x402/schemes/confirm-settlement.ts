import type { PublicClient, TransactionReceipt } from 'viem'
import { ChainUnavailableError } from '../../chain/errors'
import type { BroadcastResult } from '../../chain/relayer'
import { waitForReceipt } from '../../chain/wait-for-receipt'
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

  const waited = await waitForReceipt(args.client, sent.hash, { timeoutMs: args.receiptTimeoutMs })
  if (waited.status === 'timeout') {
    const message =
      waited.lastError === undefined
        ? 'no receipt within the settlement timeout'
        : new ChainUnavailableError('receipt', { cause: waited.lastError }).message
    return { status: 'pending', txHash: sent.hash, message }
  }
  const receipt: TransactionReceipt = waited.receipt
  if (receipt.status === 'success' && args.paidUs(receipt)) return { status: 'settled', txHash: sent.hash }
  const resolved = await args.resolve()
  if (resolved.status === 'settled') return resolved
  return receipt.status === 'success'
    ? {
        status: 'failed',
        reason: args.reasons.transferEventMismatch,
        message: 'no matching Transfer event',
        txHash: sent.hash,
      }
    : {
        status: 'failed',
        reason: args.reasons.transactionFailed,
        message: 'settlement transaction reverted',
        txHash: sent.hash,
      }
}
