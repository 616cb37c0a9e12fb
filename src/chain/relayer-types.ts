import type {
  Abi,
  Address,
  ContractFunctionArgs,
  ContractFunctionName,
  Hash,
  Hex,
  TransactionReceipt,
} from 'viem'

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
  /**
   * How often the transactions in flight are checked, with one look at the account for all of them; an idle relayer
   * compares its next nonce with the chain's before sending once this long has passed. @default 250
   */
  pollMs?: number
  /** How long fee estimates are reused. @default 2_000 */
  feeCacheMs?: number
}

/** One call waiting for its transaction. */
export interface Member {
  to: Address
  data: Hex
  gas: bigint
  onSigned: OnSigned
  settle(result: BroadcastResult): void
  fail(error: unknown): void
}

export interface Fees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

export interface Waiter {
  resolve(receipt: TransactionReceipt): void
  reject(error: unknown): void
}

/** What was signed for one nonce: enough to send it again as it was, or to re-sign it with other fees. */
export interface SignedAtNonce {
  nonce: number
  to: Address
  data: Hex
  gas: bigint
  fees: Fees
  /** The signed bytes of the latest version (what a rebroadcast sends). */
  raw: Hex
}

/** One nonce on its way to a block: what was signed for it (each replacement adds a hash) and who waits. */
export interface InFlight extends SignedAtNonce {
  members: Member[]
  hashes: Hash[]
  /** The signed bytes of each hash, in the same order. */
  raws: Hex[]
  sentAt: number
  waiters: Set<Waiter>
  /** Once mined: the one receipt every member of a batch reads (fetched once, decoded once). */
  receipt?: TransactionReceipt
  /** The members' first direct look, shared. */
  lookup?: Promise<TransactionReceipt | null>
  /** Polls that saw this nonce mined but found no receipt for any of its hashes (a node lagging behind itself). */
  missingPolls: number
}
