import { type Hash, type PublicClient, parseEventLogs, type TransactionReceipt } from 'viem'
import { eip3009Abi, erc20Abi } from '../../../chain/abis'
import { ChainUnavailableError } from '../../../chain/errors'
import type { Relayer } from '../../../chain/relayer'
import type { Eip3009PaymentAttempt as PaymentAttempt } from '../../attempt'
import type { ResolveOutcome, SettleHooks, SettleOutcome } from '../../facilitator'
import { Reason } from '../../reasons'
import { confirmSettlement } from '../confirm-settlement'

export interface Eip3009SettleDeps {
  client: Pick<
    PublicClient,
    'getTransactionReceipt' | 'readContract' | 'getContractEvents' | 'getBlockNumber'
  >
  relayer: Pick<Relayer, 'send'>
  receiptTimeoutMs: number
  /** How far back (in blocks) to look for an AuthorizationUsed event when resolving. */
  logLookbackBlocks?: bigint
}

/** What a receipt proves, indexed once per receipt: a batch's members all look into the same one. */
interface ReceiptIndex {
  /** `token|authorizer|nonce` of every AuthorizationUsed. */
  used: Set<string>
  /** `token|from|to|value` of every Transfer. */
  transfers: Set<string>
}
const receiptIndexes = new WeakMap<TransactionReceipt, ReceiptIndex>()

function indexOf(receipt: TransactionReceipt): ReceiptIndex {
  let index = receiptIndexes.get(receipt)
  if (!index) {
    const key = (...parts: (string | bigint)[]) => parts.map((p) => String(p).toLowerCase()).join('|')
    index = {
      used: new Set(
        parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs: receipt.logs }).map((log) =>
          key(log.address, log.args.authorizer, log.args.nonce),
        ),
      ),
      transfers: new Set(
        parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs }).map((log) =>
          key(log.address, log.args.from, log.args.to, log.args.value),
        ),
      ),
    }
    receiptIndexes.set(receipt, index)
  }
  return index
}

/**
 * True when the receipt shows this very authorization used (its `AuthorizationUsed(from, nonce)`) and carries the
 * ERC-20 Transfer(from -> payTo, value) it promised. The nonce event matters in a batch: two authorizations of one
 * payer for the same amount produce identical Transfers, and only one of them may have succeeded. The receipt's logs
 * are decoded once, however many payments of a batch ask.
 */
export function hasMatchingTransfer(receipt: TransactionReceipt, attempt: PaymentAttempt): boolean {
  const auth = attempt.payload.authorization
  const token = attempt.offer.asset.address.toLowerCase()
  const index = indexOf(receipt)
  return (
    index.used.has(`${token}|${auth.from.toLowerCase()}|${auth.nonce.toLowerCase()}`) &&
    index.transfers.has(
      `${token}|${auth.from.toLowerCase()}|${attempt.offer.payTo.toLowerCase()}|${BigInt(auth.value)}`,
    )
  )
}

/**
 * Broadcasts `transferWithAuthorization` through the relayer (hash stored via `hooks.onTxHash` before broadcast),
 * waits for the receipt up to `receiptTimeoutMs`, and requires the matching Transfer event. A receipt timeout is
 * `pending`, never `failed`: the reconciler decides it later.
 */
export async function settleExactEip3009(
  deps: Eip3009SettleDeps,
  attempt: PaymentAttempt,
  hooks: SettleHooks,
): Promise<SettleOutcome> {
  const auth = attempt.payload.authorization
  const sent = await deps.relayer.send(
    {
      address: attempt.offer.asset.address,
      abi: eip3009Abi,
      functionName: 'transferWithAuthorization',
      args: [
        auth.from,
        auth.to,
        BigInt(auth.value),
        BigInt(auth.validAfter),
        BigInt(auth.validBefore),
        auth.nonce as Hash,
        attempt.payload.signature as `0x${string}`,
      ],
    },
    hooks.onTxHash,
  )
  return confirmSettlement({
    sent,
    client: deps.client,
    receiptTimeoutMs: deps.receiptTimeoutMs,
    paidUs: (receipt) => hasMatchingTransfer(receipt, attempt),
    resolve: () => resolveExactEip3009(deps, attempt, null),
    reasons: {
      rejected: (revert) => ({ reason: Reason.transactionFailed, message: `settlement rejected: ${revert}` }),
      transferEventMismatch: Reason.transferEventMismatch,
      transactionFailed: Reason.transactionFailed,
    },
  })
}

/**
 * Decides a payment from the chain alone: our receipt if there is one, else whoever used the authorization
 * (AuthorizationUsed event) and whether that transaction moved the promised Transfer to us.
 */
export async function resolveExactEip3009(
  deps: Eip3009SettleDeps,
  attempt: PaymentAttempt,
  txHash: Hash | null,
): Promise<ResolveOutcome> {
  const auth = attempt.payload.authorization
  const token = attempt.offer.asset.address
  try {
    if (txHash) {
      const receipt = await deps.client.getTransactionReceipt({ hash: txHash }).catch(() => null)
      if (receipt?.status === 'success' && hasMatchingTransfer(receipt, attempt))
        return { status: 'settled', txHash }
    }
    const used = await deps.client.readContract({
      address: token,
      abi: eip3009Abi,
      functionName: 'authorizationState',
      args: [auth.from, auth.nonce as Hash],
    })
    if (!used) {
      const expired = BigInt(auth.validBefore) <= BigInt(Math.floor(Date.now() / 1000))
      return expired
        ? { status: 'failed', reason: 'authorization_expired_unsettled' }
        : { status: 'unresolved' }
    }
    const latest = await deps.client.getBlockNumber({ cacheTime: 0 })
    const lookback = deps.logLookbackBlocks ?? 10_000n
    const events = await deps.client.getContractEvents({
      address: token,
      abi: eip3009Abi,
      eventName: 'AuthorizationUsed',
      args: { authorizer: auth.from, nonce: auth.nonce as Hash },
      fromBlock: latest > lookback ? latest - lookback : 0n,
      toBlock: 'latest',
    })
    for (const event of events) {
      if (!event.transactionHash) continue
      const receipt = await deps.client.getTransactionReceipt({ hash: event.transactionHash })
      if (receipt.status === 'success' && hasMatchingTransfer(receipt, attempt)) {
        return { status: 'settled', txHash: event.transactionHash }
      }
    }
    // Used, but not by a transfer to us (e.g. canceled): this payment will never arrive.
    return events.length > 0
      ? { status: 'failed', reason: 'authorization_used_elsewhere' }
      : { status: 'unresolved' }
  } catch (error) {
    throw new ChainUnavailableError('settlement resolution', { cause: error })
  }
}
