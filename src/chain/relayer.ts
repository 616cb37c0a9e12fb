import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionName,
  encodeFunctionData,
  type Hash,
  type Hex,
  keccak256,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from 'viem'
import { ChainUnavailableError, isNonceTooLow, revertReason, shortMessage } from './errors'
import { planNonceRepair } from './nonce-resync'
import { TransactionSigner, transactionFor } from './relayer-transactions'
import type {
  BroadcastResult,
  ContractCall,
  Fees,
  InFlight,
  Member,
  OnSigned,
  RelayerOptions,
  SignedAtNonce,
  Waiter,
} from './relayer-types'

export type { BroadcastResult, ContractCall, OnSigned, RelayerOptions } from './relayer-types'

const FIRST_POLL_MS = 2
/** Mined transactions whose signed bytes are kept, newest first out last: what a reorg may need broadcast again. */
const REMEMBERED_NONCES = 64
/** How many polls a mined nonce may show no receipt of ours before we conclude another transaction used it. */
const MISSING_RECEIPT_POLLS = 20

/**
 * Sends transactions from the one settlement key, pipelined: nonces are assigned locally, several transactions are in
 * flight at once (none waits for another's receipt), and they are broadcast in nonce order so no gap stalls the
 * account. The tx hash is computed from the signed bytes and handed to `onSigned` BEFORE broadcasting, so a crash after
 * broadcast still leaves the hash in the ledger. Optionally, calls arriving within a few milliseconds are packed into
 * one Multicall3 `aggregate3` transaction with `allowFailure`, so one failing call fails alone. One poll watches every
 * transaction in flight; one left unmined too long is replaced at the same nonce with higher fees. Each poll (and an
 * idle relayer before it sends) also compares its next nonce with the chain's: after a reorg or a dropped
 * transaction the nonces the node cannot mine past are sent again, rebroadcast from their signed bytes or filled, so
 * no settlement ever waits behind a gap for a restart (see nonce-resync.ts).
 */
export class Relayer {
  private readonly batchMax: number
  private readonly batchWaitMs: number
  private readonly replaceAfterMs: number
  private readonly feeBump: bigint
  private readonly pollMs: number
  private nextNonce: number | undefined
  private nonceLoading: Promise<number> | undefined
  /** Per nonce taken: resolves once its transaction was handed to the node (or given up); the next nonce waits for it. */
  private readonly handedOver = new Map<number, { promise: Promise<void>; done: () => void }>()
  private readonly inFlight = new Map<number, InFlight>()
  /** Nonces taken and not yet in flight (being signed, recorded, broadcast) or being re-supplied after a gap. */
  private readonly busy = new Set<number>()
  /** The last mined transactions, by nonce: a reorg that drops them gets them back at the same nonce. */
  private readonly remembered = new Map<number, SignedAtNonce>()
  /** When the chain's nonce was last compared with ours (a poll, or a send after idling). */
  private syncedAt = 0
  private idleSync: Promise<void> | undefined
  private queue: Member[] = []
  /** Dispatches between taking their calls and handing their transaction to the node. */
  private dispatching = 0
  private batchTimer: ReturnType<typeof setTimeout> | undefined
  private pollTimer: ReturnType<typeof setTimeout> | undefined
  private polling = false
  /** Polls come quickly after a broadcast (an automining node has the receipt within milliseconds) and back off. */
  private pollDelay = FIRST_POLL_MS
  private readonly signer: TransactionSigner

  constructor(
    wallet: WalletClient<Transport, Chain, Account>,
    private readonly client: PublicClient,
    options: RelayerOptions = {},
  ) {
    this.batchMax = Math.max(1, options.batchMax ?? 1)
    this.batchWaitMs = options.batchWaitMs ?? 5
    this.replaceAfterMs = options.replaceAfterMs ?? 15_000
    this.feeBump = BigInt(Math.max(10, options.feeBumpPercent ?? 25))
    this.pollMs = options.pollMs ?? 250
    this.signer = new TransactionSigner(wallet, client, options.feeCacheMs ?? 2_000)
  }

  get address(): Address {
    return this.signer.address
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

  private async dispatch(initial: Member[], attempt = 1): Promise<void> {
    let nonce: number
    let fees: Fees
    try {
      fees = await this.signer.fees()
      nonce = await this.takeNonce()
    } catch (error) {
      throw new ChainUnavailableError('transaction preparation', { cause: error })
    }
    let members = initial
    let tx = transactionFor(members)
    let serialized: Hex
    let hash: Hash
    // Every member's hash must be recorded before anything is broadcast; a member whose record fails is dropped and
    // the rest re-signed at the same nonce (nothing with it has left yet).
    for (;;) {
      try {
        serialized = await this.signer.sign({ ...tx, nonce, ...fees })
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
      tx = transactionFor(members)
    }

    const entry: InFlight = {
      nonce,
      ...tx,
      fees,
      raw: serialized,
      members,
      hashes: [hash],
      raws: [serialized],
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
      this.busy.delete(nonce)
      return this.dispatch(members, attempt + 1)
    }
    this.inFlight.set(nonce, entry)
    this.busy.delete(nonce)
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
    if (this.nextNonce !== undefined && this.isIdle() && Date.now() - this.syncedAt >= this.pollMs) {
      // Idle a while: the chain may have gone back (or on) since, and nothing of ours would show it.
      this.idleSync ??= this.syncWithChain().finally(() => {
        this.idleSync = undefined
      })
    }
    await this.idleSync
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
    this.busy.add(nonce)
    let done!: () => void
    const promise = new Promise<void>((resolve) => {
      done = resolve
    })
    this.handedOver.set(nonce, { promise, done })
    return nonce
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
    void this.signer
      .filler(nonce, fees)
      .then(async (filler) => {
        await this.broadcastInOrder(nonce, filler.raw)
        this.track(filler)
      })
      .catch(() => {
        this.handedOver.get(nonce)?.done()
        this.nextNonce = undefined
      })
      .finally(() => this.busy.delete(nonce))
  }

  /** Watches a transaction sent for no caller (a gap's filler, a rebroadcast) until it is mined. */
  private track(signed: SignedAtNonce): void {
    this.inFlight.set(signed.nonce, {
      ...signed,
      members: [],
      hashes: [keccak256(signed.raw)],
      raws: [signed.raw],
      sentAt: Date.now(),
      waiters: new Set(),
      missingPolls: 0,
    })
    this.schedulePoll(this.pollMs)
  }

  private isIdle(): boolean {
    return this.inFlight.size === 0 && this.busy.size === 0
  }

  private async syncWithChain(): Promise<void> {
    try {
      await this.resync(await this.client.getTransactionCount({ address: this.address, blockTag: 'pending' }))
    } catch {
      // The node did not answer: the local count stands, and a poll compares again.
    }
  }

  /**
   * Brings our nonces in line with the node's next one (`pending`): see planNonceRepair. What the node lacks is sent
   * again: our own in-flight bytes, a reverted transaction's bytes (the same hash the ledger holds), or a zero-value
   * transfer to ourselves when nothing of ours belongs there or its bytes are refused.
   */
  private async resync(pending: number): Promise<void> {
    this.syncedAt = Date.now()
    if (this.nextNonce === undefined) return
    const plan = planNonceRepair(pending, {
      next: this.nextNonce,
      inFlight: this.inFlight,
      busy: this.busy,
      remembered: this.remembered,
    })
    this.nextNonce = plan.next
    for (const nonce of plan.resend) {
      // Refused as "already known" or "nonce too low": either way nothing more to do for it.
      const inFlight = this.inFlight.get(nonce)
      if (inFlight) await this.sendRaw(inFlight.raw)
    }
    const rebroadcast = new Set(plan.rebroadcast)
    for (const nonce of [...plan.rebroadcast, ...plan.fill].sort((a, b) => a - b)) {
      if (this.inFlight.has(nonce) || this.busy.has(nonce)) continue
      this.busy.add(nonce)
      try {
        const signed = rebroadcast.has(nonce) ? this.remembered.get(nonce) : undefined
        const sent = signed && (await this.sendRaw(signed.raw)) ? signed : await this.fillNonce(nonce)
        if (sent) this.track(sent)
      } finally {
        this.busy.delete(nonce)
      }
    }
  }

  private sendRaw(raw: Hex): Promise<boolean> {
    return this.client.sendRawTransaction({ serializedTransaction: raw }).then(
      () => true,
      () => false,
    )
  }

  /** A zero-value transfer to ourselves at `nonce`, at today's fees; undefined if the node refused it. */
  private async fillNonce(nonce: number): Promise<SignedAtNonce | undefined> {
    const fees = await this.signer.fees().catch(() => undefined)
    const filler = fees && (await this.signer.filler(nonce, fees))
    return filler && (await this.sendRaw(filler.raw)) ? filler : undefined
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
    const mined = entry.hashes.indexOf(receipt.transactionHash)
    if (mined !== -1) {
      const { nonce, to, data, gas, fees } = entry
      this.remembered.delete(nonce)
      this.remembered.set(nonce, { nonce, to, data, gas, fees, raw: entry.raws[mined]! })
      for (const oldest of this.remembered.keys()) {
        if (this.remembered.size <= REMEMBERED_NONCES) break
        this.remembered.delete(oldest)
      }
    }
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
      const [mined, pending] = await Promise.all([
        this.client.getTransactionCount({ address: this.address, blockTag: 'latest' }),
        this.client.getTransactionCount({ address: this.address, blockTag: 'pending' }),
      ])
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
      await this.resync(pending)
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
    const fees = await this.signer.bumped(entry.fees, this.feeBump)
    const serialized = await this.signer.sign({
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
    entry.raws.push(serialized)
    entry.raw = serialized
    entry.fees = fees
    entry.sentAt = Date.now()
    await this.client.sendRawTransaction({ serializedTransaction: serialized })
  }
}
