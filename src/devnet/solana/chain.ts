import { type Address, type Blockhash, getAddressDecoder, getAddressEncoder } from '@solana/kit'
// LiteSVM's native binding, beneath its @solana/kit-typed wrapper: it takes the wire bytes we already hold, and skips
// loading the wrapper's own @solana/kit major (~0.5 s of start-up on a busy machine).
import {
  Account,
  FailedTransactionMetadata,
  LiteSvm,
  type TransactionMetadata,
} from 'litesvm/dist/internal.js'
import { type TransactionErrorJson, transactionErrorJson } from './errors'
import { type RawAccount, readMint, readTokenAccount } from './token-accounts'
import { type DecodedTransaction, transactionFee } from './transaction'

/**
 * LiteSVM (the real SVM runtime with the real SPL programs, in process) with what a JSON-RPC node adds on top: a
 * clock, blockhashes that expire, and a record of each landed transaction (slot, fee, balances before and after).
 *
 * Time: the slot advances every `slotMs` of wall time (read lazily, no timer); each new slot issues a new blockhash,
 * valid for `blockhashValiditySlots` slots, like a node's 150 (block height = slot here). LiteSVM itself only accepts
 * its one latest blockhash, so its check is off and this class applies the window instead.
 */

export interface LocalSolanaChainOptions {
  /** Wall-clock ms per slot (default 400, Solana's target). */
  slotMs?: number
  /** How many slots a blockhash stays usable (default 150, Solana's MAX_PROCESSING_AGE). */
  blockhashValiditySlots?: number
  /** Landed transactions kept for getTransaction / getSignatureStatuses (default 10,000, oldest dropped first). */
  historyCapacity?: number
  now?: () => number
}

export interface TokenBalance {
  accountIndex: number
  mint: Address
  owner: Address
  programId: Address
  amount: bigint
  decimals: number
}

export interface InnerInstructionGroup {
  index: number
  instructions: { programIdIndex: number; accounts: number[]; data: Uint8Array; stackHeight: number }[]
}

export interface ExecutionDetails {
  logs: string[]
  unitsConsumed: bigint
  innerInstructions: InnerInstructionGroup[]
  returnData: { programId: Uint8Array; data: Uint8Array } | null
}

export interface LandedTransaction extends ExecutionDetails {
  decoded: DecodedTransaction
  slot: bigint
  blockTime: number
  err: TransactionErrorJson | null
  fee: bigint
  preBalances: bigint[]
  postBalances: bigint[]
  preTokenBalances: TokenBalance[]
  postTokenBalances: TokenBalance[]
}

export type SendOutcome =
  | { kind: 'landed'; transaction: LandedTransaction }
  /** Refused before it could land (nothing charged): a node would drop it. */
  | ({ kind: 'refused'; err: TransactionErrorJson; preflight: boolean } & ExecutionDetails)

export interface SimulateOptions {
  sigVerify: boolean
  replaceRecentBlockhash: boolean
  /** Addresses whose state after the simulation the caller wants. */
  accounts?: Address[]
}

export type SimulationOutcome =
  | { kind: 'signature_failure' }
  | ({
      kind: 'simulated'
      err: TransactionErrorJson | null
      /** State after the simulation, for `accounts` (null where none exists), when it succeeded. */
      postAccounts: (RawAccount | null)[] | null
      replacementBlockhash: BlockhashInfo | null
    } & ExecutionDetails)

export interface BlockhashInfo {
  blockhash: Blockhash
  lastValidBlockHeight: bigint
}

const addressBytes = (address: Address) => Uint8Array.from(getAddressEncoder().encode(address))

function rawAccount(account: Account): RawAccount {
  return {
    lamports: account.lamports(),
    data: Uint8Array.from(account.data()),
    owner: getAddressDecoder().decode(account.owner()),
    executable: account.executable(),
  }
}

const NO_DETAILS: ExecutionDetails = { logs: [], unitsConsumed: 0n, innerInstructions: [], returnData: null }

export class LocalSolanaChain {
  readonly svm: LiteSvm
  private readonly now: () => number
  private readonly slotMs: number
  private readonly validity: bigint
  private readonly historyCapacity: number
  private readonly startMs: number
  private readonly baseSlot: bigint
  private extraSlots = 0n
  private slot: bigint
  private latest: { blockhash: Blockhash; slot: bigint }
  private readonly blockhashes = new Map<string, bigint>()
  private readonly history = new Map<string, LandedTransaction>()

  constructor(options: LocalSolanaChainOptions = {}) {
    this.now = options.now ?? Date.now
    this.slotMs = options.slotMs ?? 400
    this.validity = BigInt(options.blockhashValiditySlots ?? 150)
    this.historyCapacity = options.historyCapacity ?? 10_000
    this.svm = new LiteSvm()
    this.svm.setBlockhashCheck(false)
    this.svm.setTransactionHistory(BigInt(this.historyCapacity))
    this.startMs = this.now()
    this.baseSlot = this.svm.getClock().slot
    this.slot = this.baseSlot
    this.setClockTime()
    this.latest = { blockhash: this.svm.latestBlockhash() as Blockhash, slot: this.slot }
    this.blockhashes.set(this.latest.blockhash, this.slot)
  }

  /** The current slot (the wall clock decides it). */
  currentSlot(): bigint {
    this.tick()
    return this.slot
  }

  latestBlockhash(): BlockhashInfo {
    this.tick()
    return { blockhash: this.latest.blockhash, lastValidBlockHeight: this.latest.slot + this.validity }
  }

  isBlockhashValid(blockhash: string): boolean {
    this.tick()
    const issued = this.blockhashes.get(blockhash)
    return issued !== undefined && this.slot <= issued + this.validity
  }

  /** Moves the clock `slots` ahead at once (tests: expire a blockhash without waiting). */
  advanceSlots(slots: number): void {
    this.extraSlots += BigInt(slots)
    this.tick()
  }

  getAccount(address: Address): RawAccount | null {
    const account = this.svm.getAccount(addressBytes(address))
    return account && rawAccount(account)
  }

  /** Writes an account as it is (set-up only: a mint at an address whose key nobody holds). */
  setAccount(address: Address, account: RawAccount): void {
    const { lamports, data, owner, executable } = account
    this.svm.setAccount(
      addressBytes(address),
      new Account(lamports, data, addressBytes(owner), executable, 0n),
    )
  }

  /** Credits SOL from LiteSVM's faucet (set-up only). */
  airdrop(address: Address, lamports: bigint): void {
    const result = this.svm.airdrop(addressBytes(address), lamports)
    if (!result || result instanceof FailedTransactionMetadata) {
      throw new Error(
        `airdrop to ${address} failed: ${result ? transactionErrorJson(result.err()) : 'no result'}`,
      )
    }
  }

  rentExemptMinimum(dataLength: number): bigint {
    return this.svm.minimumBalanceForRentExemption(BigInt(dataLength))
  }

  getBalance(address: Address): bigint {
    return this.svm.getBalance(addressBytes(address)) ?? 0n
  }

  decimalsOf(mint: Address): number | undefined {
    const account = this.getAccount(mint)
    return account ? readMint(account)?.decimals : undefined
  }

  getLandedTransaction(signature: string): LandedTransaction | undefined {
    return this.history.get(signature)
  }

  /** Executes a signed transaction. With `skipPreflight` false it is simulated first, as a node does. */
  send(decoded: DecodedTransaction, options: { skipPreflight: boolean }): SendOutcome {
    this.tick()
    if (decoded.missingSigners.length > 0) return refused('SignatureFailure')
    if (this.history.has(decoded.signature)) return refused('AlreadyProcessed')
    if (!this.isBlockhashValid(decoded.blockhash)) return refused('BlockhashNotFound')
    if (!options.skipPreflight) {
      const simulation = this.simulate(decoded, { sigVerify: true, replaceRecentBlockhash: false })
      if (simulation.kind === 'signature_failure') return refused('SignatureFailure')
      if (simulation.err !== null)
        return { ...simulation, kind: 'refused', err: simulation.err, preflight: true }
    }
    const keys = decoded.message.staticAccounts
    const before = this.snapshot(keys)
    const result =
      decoded.message.version === 'legacy'
        ? this.svm.sendLegacyTransaction(decoded.wire)
        : this.svm.sendVersionedTransaction(decoded.wire)
    const meta = result instanceof FailedTransactionMetadata ? result.meta() : result
    const err = result instanceof FailedTransactionMetadata ? transactionErrorJson(result.err()) : null
    // A transaction that never loaded (bad signature, unknown fee payer…) carries no signature and charged nothing.
    if (err !== null && meta.signature().every((byte) => byte === 0)) {
      return { kind: 'refused', err, preflight: false, ...executionDetails(meta) }
    }
    const after = this.snapshot(keys)
    const landed: LandedTransaction = {
      decoded,
      slot: this.slot,
      blockTime: Math.floor(this.now() / 1000),
      err,
      fee: transactionFee(decoded.message),
      preBalances: before.balances,
      postBalances: after.balances,
      preTokenBalances: before.tokens,
      postTokenBalances: after.tokens,
      ...executionDetails(meta),
    }
    this.remember(landed)
    return { kind: 'landed', transaction: landed }
  }

  simulate(decoded: DecodedTransaction, options: SimulateOptions): SimulationOutcome {
    this.tick()
    if (options.sigVerify && decoded.missingSigners.length > 0) return { kind: 'signature_failure' }
    const replacementBlockhash = options.replaceRecentBlockhash ? this.latestBlockhash() : null
    if (!options.replaceRecentBlockhash && !this.isBlockhashValid(decoded.blockhash)) {
      return {
        kind: 'simulated',
        err: 'BlockhashNotFound',
        postAccounts: null,
        replacementBlockhash,
        ...NO_DETAILS,
      }
    }
    this.svm.setSigverify(options.sigVerify)
    let result: ReturnType<LiteSvm['simulateVersionedTransaction']>
    try {
      result =
        decoded.message.version === 'legacy'
          ? this.svm.simulateLegacyTransaction(decoded.wire)
          : this.svm.simulateVersionedTransaction(decoded.wire)
    } finally {
      this.svm.setSigverify(true)
    }
    if (result instanceof FailedTransactionMetadata) {
      const err = transactionErrorJson(result.err())
      if (err === 'SignatureFailure') return { kind: 'signature_failure' }
      return {
        kind: 'simulated',
        err,
        postAccounts: null,
        replacementBlockhash,
        ...executionDetails(result.meta()),
      }
    }
    let postAccounts: (RawAccount | null)[] | null = null
    if (options.accounts) {
      const changed = new Map(
        result
          .postAccounts()
          .map((entry) => [getAddressDecoder().decode(entry.address) as string, entry.account()]),
      )
      postAccounts = options.accounts.map((address) => {
        const account = changed.get(address)
        return account ? rawAccount(account) : this.getAccount(address)
      })
    }
    return {
      kind: 'simulated',
      err: null,
      postAccounts,
      replacementBlockhash,
      ...executionDetails(result.meta()),
    }
  }

  private snapshot(keys: readonly Address[]) {
    const balances = keys.map((key) => this.getBalance(key))
    const tokens: TokenBalance[] = []
    keys.forEach((key, accountIndex) => {
      const account = this.getAccount(key)
      const token = account && readTokenAccount(account)
      const decimals = token ? this.decimalsOf(token.mint) : undefined
      if (!account || !token || decimals === undefined) return
      const { mint, owner, amount } = token
      tokens.push({ accountIndex, mint, owner, programId: account.owner, amount, decimals })
    })
    return { balances, tokens }
  }

  private remember(landed: LandedTransaction): void {
    this.history.set(landed.decoded.signature, landed)
    if (this.history.size > this.historyCapacity) {
      const oldest = this.history.keys().next().value
      if (oldest !== undefined) this.history.delete(oldest)
    }
  }

  private tick(): void {
    const elapsed = Math.max(0, this.now() - this.startMs)
    const target = this.baseSlot + BigInt(Math.floor(elapsed / this.slotMs)) + this.extraSlots
    if (target <= this.slot) return
    this.slot = target
    this.svm.warpToSlot(target)
    this.setClockTime()
    this.svm.expireBlockhash()
    this.latest = { blockhash: this.svm.latestBlockhash() as Blockhash, slot: target }
    this.blockhashes.set(this.latest.blockhash, target)
    for (const [blockhash, issued] of this.blockhashes) {
      if (issued + this.validity < target) this.blockhashes.delete(blockhash)
    }
  }

  private setClockTime(): void {
    const clock = this.svm.getClock()
    clock.unixTimestamp = BigInt(Math.floor(this.now() / 1000))
    this.svm.setClock(clock)
  }
}

function refused(err: TransactionErrorJson): SendOutcome {
  return { kind: 'refused', err, preflight: false, ...NO_DETAILS }
}

function executionDetails(meta: TransactionMetadata): ExecutionDetails {
  const returned = meta.returnData()
  const returnData =
    returned.data().length > 0 ? { programId: returned.programId(), data: returned.data() } : null
  const innerInstructions = meta.innerInstructions().flatMap((group, index) =>
    group.length === 0
      ? []
      : [
          {
            index,
            instructions: group.map((inner) => {
              const compiled = inner.instruction()
              return {
                programIdIndex: compiled.programIdIndex(),
                accounts: [...compiled.accounts()],
                data: compiled.data(),
                stackHeight: inner.stackHeight(),
              }
            }),
          },
        ],
  )
  return { logs: meta.logs(), unitsConsumed: meta.computeUnitsConsumed(), innerInstructions, returnData }
}
