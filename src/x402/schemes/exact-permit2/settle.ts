import {
  type Address,
  decodeFunctionData,
  type Hash,
  type Hex,
  isAddressEqual,
  type PublicClient,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem'
import { erc20Abi } from '../../../chain/abis'
import { ChainUnavailableError } from '../../../chain/errors'
import { permit2Abi, x402ExactPermit2ProxyAbi } from '../../../chain/permit2-abis'
import type { Relayer } from '../../../chain/relayer'
import { CANONICAL } from '../../../config/networks'
import type { ResolveOutcome, SettleHooks, SettleOutcome } from '../../facilitator'
import { confirmSettlement } from '../confirm-settlement'
import { nameCustomErrors, Permit2Reason, settlementRevertReason } from './errors'
import { checksummed, nonceBitPosition, type Permit2Attempt, settleArgs } from './payload'

export interface Permit2SettleDeps {
  client: Pick<
    PublicClient,
    'getTransactionReceipt' | 'getTransaction' | 'readContract' | 'getContractEvents' | 'getBlock'
  >
  relayer: Pick<Relayer, 'send'>
  receiptTimeoutMs: number
  /** How far back (in blocks) to look for the Transfer that used a permit when resolving. */
  logLookbackBlocks?: bigint
  /** Allowed clock difference at verification; widens the window in which a permit can have been used. */
  clockSkewSeconds?: number
}

function isPromisedTransfer(
  log: { address: Address; args: { from?: Address; to?: Address; value?: bigint } },
  attempt: Permit2Attempt,
): boolean {
  const auth = attempt.payload.permit2Authorization
  return (
    isAddressEqual(log.address, attempt.offer.asset.address) &&
    log.args.from !== undefined &&
    isAddressEqual(log.args.from, auth.from) &&
    log.args.to !== undefined &&
    isAddressEqual(log.args.to, attempt.offer.payTo) &&
    log.args.value === BigInt(auth.permitted.amount)
  )
}

/** A receipt's Transfer logs, decoded once however many payments of a batch look into it. */
const transfersByReceipt = new WeakMap<TransactionReceipt, ReturnType<typeof decodeTransfers>>()
const decodeTransfers = (receipt: TransactionReceipt) =>
  parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs })

/** True when the receipt carries the ERC-20 Transfer(owner -> payTo, amount) this permit promised. */
export function hasMatchingTransfer(receipt: TransactionReceipt, attempt: Permit2Attempt): boolean {
  let transfers = transfersByReceipt.get(receipt)
  if (!transfers) {
    transfers = decodeTransfers(receipt)
    transfersByReceipt.set(receipt, transfers)
  }
  return transfers.some((log) => isPromisedTransfer(log, attempt))
}

/**
 * Broadcasts the proxy's `settle` through the relayer (hash stored via `hooks.onTxHash` before broadcast), waits for
 * the receipt up to `receiptTimeoutMs`, and requires the matching Transfer event. A receipt timeout is `pending`,
 * never `failed`: the reconciler decides it later.
 */
export async function settleExactPermit2(
  deps: Permit2SettleDeps,
  attempt: Permit2Attempt,
  hooks: SettleHooks,
): Promise<SettleOutcome> {
  const sent = await deps.relayer.send(
    {
      address: CANONICAL.x402ExactPermit2Proxy,
      abi: x402ExactPermit2ProxyAbi,
      functionName: 'settle',
      args: settleArgs(attempt.payload),
    },
    hooks.onTxHash,
  )
  return confirmSettlement({
    sent,
    client: deps.client,
    receiptTimeoutMs: deps.receiptTimeoutMs,
    paidUs: (receipt) => hasMatchingTransfer(receipt, attempt),
    resolve: () => resolveExactPermit2(deps, attempt, null),
    reasons: {
      rejected: (revert) => ({
        reason: settlementRevertReason(revert),
        message: `settlement rejected: ${nameCustomErrors(revert)}`,
      }),
      transferEventMismatch: Permit2Reason.transferEventMismatch,
      transactionFailed: Permit2Reason.transactionFailed,
    },
  })
}

/**
 * Whether `input` is a direct proxy call carrying this very permit (token, amount, nonce, deadline, owner, witness);
 * undefined when it is not a proxy call at all.
 */
function callCarriesPermit(input: Hex, attempt: Permit2Attempt): boolean | undefined {
  let call: ReturnType<typeof decodeFunctionData<typeof x402ExactPermit2ProxyAbi>>
  try {
    call = decodeFunctionData({ abi: x402ExactPermit2ProxyAbi, data: input })
  } catch {
    return undefined
  }
  const found =
    call.functionName === 'settle'
      ? { permit: call.args[0], owner: call.args[1], witness: call.args[2] }
      : call.functionName === 'settleWithPermit'
        ? { permit: call.args[1], owner: call.args[2], witness: call.args[3] }
        : undefined
  if (!found) return undefined
  const [permit, owner, witness] = settleArgs(attempt.payload)
  return (
    isAddressEqual(found.permit.permitted.token, permit.permitted.token) &&
    found.permit.permitted.amount === permit.permitted.amount &&
    found.permit.nonce === permit.nonce &&
    found.permit.deadline === permit.deadline &&
    isAddressEqual(found.owner, owner) &&
    isAddressEqual(found.witness.to, witness.to) &&
    found.witness.validAfter === witness.validAfter
  )
}

/**
 * Decides a payment from the chain alone. Permit2 emits no event when a signature transfer uses a nonce, so:
 * 1. our receipt, if there is one, with the promised Transfer;
 * 2. the nonce bit in Permit2's `nonceBitmap`, read at one block: unused and that block already past the deadline means
 *    it can never settle (`failed`), unused before the deadline means `unresolved`;
 * 3. used: the token's Transfer(owner -> payTo, amount) logs within `logLookbackBlocks` are the candidates. A candidate
 *    is this permit when its transaction calls the proxy with exactly this permit or, when it went through another
 *    contract, when the nonce bit flipped in exactly that block (historical state; without it we cannot tell);
 * 4. used with no such transfer: an `UnorderedNonceInvalidation` covering the nonce, or (deadline passed and the whole
 *    window in which the permit could first be used searched) another use of the nonce, means it will never pay us.
 * Anything less certain stays `unresolved`, so a payment is never settled or failed on a guess.
 */
export async function resolveExactPermit2(
  deps: Permit2SettleDeps,
  attempt: Permit2Attempt,
  txHash: Hash | null,
): Promise<ResolveOutcome> {
  const auth = attempt.payload.permit2Authorization
  const owner = checksummed(auth.from)
  const nonce = BigInt(auth.nonce)
  const deadline = BigInt(auth.deadline)
  const { wordPos, bit } = nonceBitPosition(nonce)
  const nonceUsedAt = async (blockNumber: bigint) => {
    const bitmap = await deps.client.readContract({
      address: CANONICAL.permit2,
      abi: permit2Abi,
      functionName: 'nonceBitmap',
      args: [owner, wordPos],
      blockNumber,
    })
    return (bitmap & bit) !== 0n
  }
  try {
    if (txHash) {
      const receipt = await deps.client.getTransactionReceipt({ hash: txHash }).catch(() => null)
      if (receipt?.status === 'success' && hasMatchingTransfer(receipt, attempt))
        return { status: 'settled', txHash }
    }
    const latest = await deps.client.getBlock({ blockTag: 'latest' })
    if (!(await nonceUsedAt(latest.number))) {
      // Permit2 rejects a permit once block.timestamp > deadline, and later blocks are never earlier.
      return latest.timestamp > deadline
        ? { status: 'failed', reason: Permit2Reason.expiredUnsettled }
        : { status: 'unresolved' }
    }

    const lookback = deps.logLookbackBlocks ?? 10_000n
    const fromBlock = latest.number > lookback ? latest.number - lookback : 0n
    const transfers = await deps.client.getContractEvents({
      address: attempt.offer.asset.address,
      abi: erc20Abi,
      eventName: 'Transfer',
      args: { from: owner, to: attempt.offer.payTo },
      fromBlock,
      toBlock: latest.number,
    })
    let undecided = false
    const seen = new Set<Hash>()
    for (const log of transfers) {
      if (!isPromisedTransfer(log, attempt) || seen.has(log.transactionHash)) continue
      seen.add(log.transactionHash)
      const verdict = await isThisPermit(deps, attempt, { log, nonceUsedAt })
      if (verdict === true) return { status: 'settled', txHash: log.transactionHash }
      if (verdict === undefined) undecided = true
    }
    if (undecided) return { status: 'unresolved' }

    const invalidations = await deps.client.getContractEvents({
      address: CANONICAL.permit2,
      abi: permit2Abi,
      eventName: 'UnorderedNonceInvalidation',
      args: { owner },
      fromBlock,
      toBlock: latest.number,
    })
    if (invalidations.some((e) => e.args.word === wordPos && ((e.args.mask ?? 0n) & bit) !== 0n)) {
      return { status: 'failed', reason: Permit2Reason.nonceInvalidated }
    }
    // Verification saw the nonce unused and the deadline at most maxTimeoutSeconds (+ skew) ahead, so this permit
    // could only have paid us between then and the deadline; if all of that is searched and nothing paid us, the
    // nonce went to another use.
    if (latest.timestamp > deadline) {
      const windowStart = deadline - BigInt(attempt.offer.maxTimeoutSeconds + (deps.clockSkewSeconds ?? 0))
      const first = fromBlock === 0n ? undefined : await deps.client.getBlock({ blockNumber: fromBlock })
      if (!first || first.timestamp < windowStart) {
        return { status: 'failed', reason: Permit2Reason.nonceUsedElsewhere }
      }
    }
    return { status: 'unresolved' }
  } catch (error) {
    throw new ChainUnavailableError('settlement resolution', { cause: error })
  }
}

/**
 * Whether the transaction behind a promised Transfer used this permit: true, false, or undefined (cannot tell).
 * Through another contract only the block can be matched: a second permit with the same owner, nonce, amount and
 * recipient would be indistinguishable, which the ledger's (payer, nonce) reservation keeps from arising.
 */
async function isThisPermit(
  deps: Permit2SettleDeps,
  attempt: Permit2Attempt,
  {
    log,
    nonceUsedAt,
  }: {
    log: { transactionHash: Hash; blockNumber: bigint }
    nonceUsedAt: (blockNumber: bigint) => Promise<boolean>
  },
): Promise<boolean | undefined> {
  const tx = await deps.client.getTransaction({ hash: log.transactionHash })
  if (tx.to && isAddressEqual(tx.to, CANONICAL.x402ExactPermit2Proxy)) {
    const direct = callCarriesPermit(tx.input, attempt)
    if (direct !== undefined) return direct
  }
  // Called through another contract: the nonce must have gone from unused to used in this very block.
  try {
    const [before, after] = await Promise.all([
      nonceUsedAt(log.blockNumber - 1n),
      nonceUsedAt(log.blockNumber),
    ])
    return !before && after
  } catch {
    return undefined // no historical state on this node
  }
}
