import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hash,
  type Hex,
  keccak256,
  multicall3Abi,
  NonceTooLowError,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from 'viem'
import { CANONICAL } from '../config/networks'
import { ChainUnavailableError, revertReason, shortMessage } from './errors'

export type BroadcastResult =
  | {
      status: 'broadcast'
      hash: Hash
      /** Position of this call inside a batched (Multicall3 `aggregate3`) transaction; absent for a direct call. */
      callIndex?: number
      /** The receipt of the transaction at this call's nonce, whichever replacement of it was mined. */
      waitForReceipt?: (timeoutMs: number) => Promise<TransactionReceipt>
    }
  | { status: 'rejected'; reason: string }
  /** Signed and possibly sent, but the node's answer was lost: the hash is known, the outcome is not. */
  | { status: 'unknown'; hash: Hash; error: string; callIndex?: number }

export interface ContractCall<
  abi extends Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
> {
  address: Address
  abi: abi
  functionName: name
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>
}

/** Called with the hash of the signed transaction before it is broadcast (and again for each replacement). */
export type OnSigned = (hash: Hash, callIndex?: number) => Promise<void>

export interface RelayerOptions {
  /** Up to this many calls arriving within `batchWaitMs` share one Multicall3 `aggregate3` transaction. @default 1 */
  batchMax?: number
  /**
   * How long a batch waits for more calls once its first call arrived. 0: no waiting when the relayer is idle (the
   * call leaves at once); calls arriving while a transaction is being prepared and broadcast share the next one.
   * @default 5
   */
  batchWaitMs?: number
  /** A transaction still unmined this long after broadcast is re-sent at its nonce with higher fees. @default 15_000 */
  replaceAfterMs?: number
  /** Fee increase per replacement, in percent (nodes require at least 10). @default 25 */
  feeBumpPercent?: number
  /** How often the transactions in flight are checked, with one RPC for all of them. @default 250 */
  pollMs?: number
  /** How long fee estimates are reused. @default 2_000 */
  feeCacheMs?: number
}

interface Member {
  to: Address
  data: Hex
  gas: bigint
  onSigned: OnSigned
  settle(result: BroadcastResult): void
  fail(error: unknown): void
}

interface Fees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

interface Waiter {
  resolve(receipt: TransactionReceipt): void
  reject(error: unknown): void
}

/** One nonce on its way to a block: what was signed for it (each replacement adds a hash) and who waits. */
interface InFlight {
  nonce: number
  to: Address
  data: Hex
  gas: bigint
  fees: Fees
  members: Member[]
  hashes: Hash[]
  sentAt: number
  waiters: Set<Waiter>
  /** Once mined: the one receipt every member of a batch reads (fetched once, decoded once). */
  receipt?: TransactionReceipt
  /** The members' first direct look, shared. */
  lookup?: Promise<TransactionReceipt | null>
  /** Polls that saw this nonce mined but found no receipt for any of its hashes (a node lagging behind itself). */
  missingPolls: number
}

/** The node refused a transaction because its nonce is already used (so it can never be mined). */
function isNonceTooLow(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof NonceTooLowError)) return true
  const text = error instanceof BaseError ? `${error.shortMessage} ${error.details}` : String(error)
  return /nonce too low|nonce has already been used|already known nonce/i.test(text)
}

const FIRST_POLL_MS = 2
/** How many polls a mined nonce may show no receipt of ours before we conclude another transaction used it. */
const MISSING_RECEIPT_POLLS = 20

/** Gas a Multicall3 batch needs beyond the sum of its calls' own estimates (which each include 21,000 already). */
const BATCH_GAS_OVERHEAD = 30_000n

/**
 * Sends transactions from the one settlement key, pipelined: nonces are assigned locally, several transactions are in
 * flight at once (none waits for another's receipt), and they are broadcast in nonce order so no gap stalls the
 * account. The tx hash is computed from the signed bytes and handed to `onSigned` BEFORE broadcasting, so a crash after
 * broadcast still leaves the hash in the ledger. Optionally, calls arriving within a few milliseconds are packed into
 * one Multicall3 `aggregate3` transaction with `allowFailure`, so one failing call fails alone. One poll watches every
 * transaction in flight; one left unmined too long is replaced at the same nonce with higher fees.
 */
export class Relayer {
  private readonly batchMax: number
  private readonly batchWaitMs: number
  private readonly replaceAfterMs: number
  private readonly feeBump: bigint
  private readonly pollMs: number
  private readonly feeCacheMs: number
  private nextNonce: number | undefined
  private nonceLoading: Promise<number> | undefined
  /** Per nonce taken: resolves once its transaction was handed to the node (or given up); the next nonce waits for it. */
  private readonly handedOver = new Map<number, { promise: Promise<void>; done: () => void }>()
  private readonly inFlight = new Map<number, InFlight>()
  private queue: Member[] = []
  /** Dispatches between taking their calls and handing their transaction to the node. */
  private dispatching = 0
  private batchTimer: ReturnType<typeof setTimeout> | undefined
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private polling = false
  /** Polls come quickly after a broadcast (an automining node has the receipt within milliseconds) and back off. */
  private pollDelay = FIRST_POLL_MS
  private feeCache: { at: number; fees: Promise<Fees> } | undefined

  constructor(
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly client: PublicClient,
    options: RelayerOptions = {},
  ) {
    this.batchMax = Math.max(1, options.batchMax ?? 1)
    this.batchWaitMs = options.batchWaitMs ?? 5
    this.replaceAfterMs = options.replaceAfterMs ?? 15_000
    this.feeBump = BigInt(Math.max(10, options.feeBumpPercent ?? 25))
    this.pollMs = options.pollMs ?? 250
    this.feeCacheMs = options.feeCacheMs ?? 2_000
  }

  get address(): Address {
    return this.wallet.account.address
  }

  /** Transactions broadcast and not yet seen in a block. */
  get pendingCount(): number {
    return this.inFlight.size
  }

  async send<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    call: ContractCall<abi, name>,
    onSigned: OnSigned,
  ): Promise<BroadcastResult> {
    const data = encodeFunctionData({
      abi: call.abi,
      functionName: call.functionName,
      args: call.args,
    } as never)
    // Estimated alone, before it takes a nonce: a call that would revert is refused here and costs nothing.
    let gas: bigint
    try {
      gas = await this.estimate(call.address, data)
    } catch (error) {
      const reason = revertReason(error)
      if (reason) return { status: 'rejected', reason }
      throw new ChainUnavailableError('gas estimation', { cause: error })
    }
    return new Promise<BroadcastResult>((settle, fail) => {
      this.queue.push({ to: call.address, data, gas, onSigned, settle, fail })
      if (this.queue.length >= this.batchMax) this.flush()
      else if (this.batchWaitMs === 0) {
        // Adaptive: an idle relayer sends at once; a busy one gathers until its current broadcast is done.
        if (this.dispatching === 0) this.flush()
      } else this.batchTimer ??= setTimeout(() => this.flush(), this.batchWaitMs)
    })
  }

  /**
   * Gas for one call, estimated against the latest block: a node estimating against its pending block (anvil's
   * default) re-executes every transaction waiting in its pool first, which with many settlements in flight costs
   * more than the estimate. A revert there is asked again of the pending block, whose clock is now: on an idle
   * chain the latest block can be older than an authorization's `validAfter`.
   */
  private async estimate(to: Address, data: Hex): Promise<bigint> {
    try {
      return await this.client.estimateGas({ account: this.address, to, data, blockTag: 'latest' })
    } catch (error) {
      if (!revertReason(error)) throw error
      return this.client.estimateGas({ account: this.address, to, data })
    }
  }

  private flush(): void {
    clearTimeout(this.batchTimer)
    this.batchTimer = undefined
    while (this.queue.length > 0) {
      const members = this.queue.splice(0, this.batchMax)
      this.dispatching++
      void this.dispatch(members)
        .catch((error: unknown) => {
          for (const member of members) member.fail(error)
        })
        .finally(() => {
          this.dispatching--
          if (this.batchWaitMs === 0 && this.dispatching === 0 && this.queue.length > 0) this.flush()
        })
    }
  }

  /** One transaction for `members`: a direct call for one, an `aggregate3` batch for several. */
  private transactionFor(members: Member[]): { to: Address; data: Hex; gas: bigint } {
    if (members.length === 1) {
      const [only] = members as [Member]
      return { to: only.to, data: only.data, gas: only.gas + only.gas / 5n }
    }
    const data = encodeFunctionData({
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [members.map((m) => ({ target: m.to, allowFailure: true, callData: m.data }))],
    })
    const gas = members.reduce((sum, m) => sum + m.gas, BATCH_GAS_OVERHEAD)
    return { to: CANONICAL.multicall3, data, gas: gas + gas / 10n }
  }

  private async dispatch(initial: Member[], attempt = 1): Promise<void> {
    let nonce: number
    let fees: Fees
    try {
      fees = await this.fees()
      nonce = await this.takeNonce()
    } catch (error) {
      throw new ChainUnavailableError('transaction preparation', { cause: error })
    }
    let members = initial
    let tx = this.transactionFor(members)
    let serialized: Hex
    let hash: Hash
    // Every member's hash must be recorded before anything is broadcast; a member whose record fails is dropped and
    // the rest re-signed at the same nonce (nothing with it has left yet).
    for (;;) {
      try {
        serialized = await this.sign({ ...tx, nonce, ...fees })
      } catch (error) {
        this.giveUpNonce(nonce, fees)
        throw new ChainUnavailableError('transaction signing', { cause: error })
      }
      hash = keccak256(serialized)
      const recorded = await Promise.allSettled(
        members.map((m, i) => m.onSigned(hash, members.length > 1 ? i : undefined)),
      )
      const failed = members.filter((_, i) => recorded[i]!.status === 'rejected')
      if (failed.length === 0) break
      failed.forEach((m) => {
        m.fail((recorded[members.indexOf(m)] as PromiseRejectedResult).reason)
      })
      members = members.filter((m) => !failed.includes(m))
      if (members.length === 0) {
        this.giveUpNonce(nonce, fees)
        return
      }
      tx = this.transactionFor(members)
    }

    const entry: InFlight = {
      nonce,
      ...tx,
      fees,
      members,
      hashes: [hash],
      sentAt: Date.now(),
      waiters: new Set(),
      missingPolls: 0,
    }
    const failure = await this.broadcastInOrder(nonce, serialized)
    const error = failure === undefined ? undefined : shortMessage(failure)
    const batched = members.length > 1
    const callIndex = (i: number) => (batched ? i : undefined)
    if (failure !== undefined && isNonceTooLow(failure) && attempt < 3) {
      // The account moved on without us (another sender of this key, a restart): this transaction can never be
      // mined, so it is signed again at a fresh nonce (and its new hash recorded before it leaves).
      this.nextNonce = undefined
      return this.dispatch(members, attempt + 1)
    }
    this.inFlight.set(nonce, entry)
    this.pollDelay = FIRST_POLL_MS
    this.schedulePoll(0)
    for (const [i, m] of members.entries()) {
      m.settle(
        error === undefined
          ? {
              status: 'broadcast',
              hash,
              callIndex: callIndex(i),
              waitForReceipt: (timeoutMs) => this.waitForReceipt(entry, timeoutMs),
            }
          : // The node may or may not have it: the poll re-sends or replaces it, the reconciler decides the payment.
            { status: 'unknown', hash, error, callIndex: callIndex(i) },
      )
    }
  }

  private async takeNonce(): Promise<number> {
    if (this.nextNonce === undefined) {
      this.nonceLoading ??= this.client
        .getTransactionCount({ address: this.address, blockTag: 'pending' })
        .finally(() => {
          this.nonceLoading = undefined
        })
      const loaded = await this.nonceLoading
      this.nextNonce ??= loaded
    }
    const nonce = this.nextNonce++
    let done!: () => void
    const promise = new Promise<void>((resolve) => {
      done = resolve
    })
    this.handedOver.set(nonce, { promise, done })
    return nonce
  }

  private fees(): Promise<Fees> {
    const now = Date.now()
    if (!this.feeCache || now - this.feeCache.at > this.feeCacheMs) {
      const fees = this.client.estimateFeesPerGas().then((f) => ({
        maxFeePerGas: f.maxFeePerGas,
        maxPriorityFeePerGas: f.maxPriorityFeePerGas,
      }))
      this.feeCache = { at: now, fees }
      fees.catch(() => {
        if (this.feeCache?.fees === fees) this.feeCache = undefined
      })
    }
    return this.feeCache.fees
  }

  private async sign(tx: { to: Address; data: Hex; gas: bigint; nonce: number } & Fees): Promise<Hex> {
    const account = this.wallet.account
    const chain = this.wallet.chain
    const request = { ...tx, type: 'eip1559' as const, chainId: chain.id }
    // A local key signs without asking the node anything (viem's action would fetch the chain id each time).
    if (account.signTransaction) {
      return account.signTransaction(request, { serializer: chain.serializers?.transaction } as never)
    }
    return this.wallet.signTransaction({ ...request, account, chain } as never)
  }

  /** Broadcasts after the previous nonce's transaction was handed over; returns the node's error, if any. */
  private async broadcastInOrder(nonce: number, serialized: Hex): Promise<unknown> {
    await this.handedOver.get(nonce - 1)?.promise
    this.handedOver.delete(nonce - 1)
    try {
      await this.client.sendRawTransaction({ serializedTransaction: serialized })
      return undefined
    } catch (error) {
      return error ?? new Error('broadcast failed')
    } finally {
      this.handedOver.get(nonce)?.done()
    }
  }

  /**
   * A nonce was taken but nothing will be sent with it: later nonces would wait behind the gap forever, so a
   * zero-value transfer to ourselves fills it.
   */
  private giveUpNonce(nonce: number, fees: Fees): void {
    const filler = { to: this.address, data: '0x' as Hex, gas: 21_000n }
    void this.sign({ ...filler, nonce, ...fees })
      .then(async (serialized) => {
        await this.broadcastInOrder(nonce, serialized)
        this.inFlight.set(nonce, {
          nonce,
          ...filler,
          fees,
          members: [],
          hashes: [keccak256(serialized)],
          sentAt: Date.now(),
          waiters: new Set(),
          missingPolls: 0,
        })
        this.schedulePoll(this.pollMs)
      })
      .catch(() => {
        this.handedOver.get(nonce)?.done()
        this.nextNonce = undefined
      })
  }

  private async waitForReceipt(entry: InFlight, timeoutMs: number): Promise<TransactionReceipt> {
    if (entry.receipt) return entry.receipt
    // Automining chains have it already: one direct look (shared by a batch's members) before joining the poll.
    entry.lookup ??= this.client.getTransactionReceipt({ hash: entry.hashes.at(-1)! }).catch(() => null)
    const direct = await entry.lookup
    if (entry.receipt) return entry.receipt
    if (direct) {
      this.finish(entry, direct)
      return direct
    }
    if (this.inFlight.get(entry.nonce) !== entry) {
      // Finished meanwhile without a receipt we know (the nonce went elsewhere): look the mined hash up.
      const receipt = await this.minedReceipt(entry)
      if (receipt) return receipt
    }
    return new Promise<TransactionReceipt>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (receipt) => {
          clearTimeout(timer)
          resolve(receipt)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      const timer = setTimeout(() => {
        entry.waiters.delete(waiter)
        reject(new WaitForTransactionReceiptTimeoutError({ hash: entry.hashes.at(-1)! }))
      }, timeoutMs)
      entry.waiters.add(waiter)
      this.schedulePoll(this.pollDelay)
    })
  }

  private finish(entry: InFlight, receipt: TransactionReceipt): void {
    entry.receipt = receipt
    if (this.inFlight.get(entry.nonce) === entry) this.inFlight.delete(entry.nonce)
    for (const waiter of entry.waiters) waiter.resolve(receipt)
    entry.waiters.clear()
  }

  private async minedReceipt(entry: InFlight): Promise<TransactionReceipt | null> {
    for (const hash of [...entry.hashes].reverse()) {
      const receipt = await this.client.getTransactionReceipt({ hash }).catch(() => null)
      if (receipt) return receipt
    }
    return null
  }

  private schedulePoll(delayMs: number): void {
    if (this.pollTimer || this.polling || this.inFlight.size === 0) return
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined
      void this.poll()
    }, delayMs)
    this.pollTimer.unref?.()
  }

  /** One look at the account: every nonce below its mined count is done; anything left too long is replaced. */
  private async poll(): Promise<void> {
    this.polling = true
    try {
      const mined = await this.client.getTransactionCount({ address: this.address, blockTag: 'latest' })
      const now = Date.now()
      for (const entry of [...this.inFlight.values()].sort((a, b) => a.nonce - b.nonce)) {
        if (entry.nonce < mined) {
          const receipt = await this.minedReceipt(entry)
          if (receipt) this.finish(entry, receipt)
          else if (++entry.missingPolls < MISSING_RECEIPT_POLLS) {
            // Counted as mined before its receipt can be read: look again next time.
          } else {
            // Mined, but none of our transactions: the nonce went to another one; the reconciler decides the payments.
            this.inFlight.delete(entry.nonce)
            for (const waiter of entry.waiters)
              waiter.reject(new Error(`nonce ${entry.nonce} was used by a transaction of no known hash`))
          }
        } else if (now - entry.sentAt >= this.replaceAfterMs) {
          await this.replace(entry).catch(() => {})
        }
      }
    } catch {
      // The node did not answer: the next poll tries again.
    } finally {
      this.polling = false
      this.schedulePoll(this.pollDelay)
      this.pollDelay = Math.min(this.pollMs, this.pollDelay * 2)
    }
  }

  /** Re-signs a stuck transaction at its nonce with fees raised by `feeBump` percent (and at least today's). */
  private async replace(entry: InFlight): Promise<void> {
    const current = await this.fees().catch(() => entry.fees)
    const bump = (value: bigint) => value + (value * this.feeBump) / 100n + 1n
    const fees: Fees = {
      maxPriorityFeePerGas: bump(entry.fees.maxPriorityFeePerGas),
      maxFeePerGas: larger(bump(entry.fees.maxFeePerGas), current.maxFeePerGas),
    }
    const serialized = await this.sign({
      to: entry.to,
      data: entry.data,
      gas: entry.gas,
      nonce: entry.nonce,
      ...fees,
    })
    const hash = keccak256(serialized)
    const batched = entry.members.length > 1
    // The replacement's hash is recorded before it leaves, like the original's.
    await Promise.all(entry.members.map((m, i) => m.onSigned(hash, batched ? i : undefined)))
    entry.hashes.push(hash)
    entry.fees = fees
    entry.sentAt = Date.now()
    await this.client.sendRawTransaction({ serializedTransaction: serialized })
  }
}

/** The larger of two bigints (Math.max takes numbers only). */
function larger(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
