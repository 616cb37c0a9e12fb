import {
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  type Hex,
  multicall3Abi,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { CANONICAL } from '../config/networks'
import type { Fees, Member, SignedAtNonce } from './relayer-types'

/** Gas a Multicall3 batch needs beyond the sum of its calls' own estimates (which each include 21,000 already). */
const BATCH_GAS_OVERHEAD = 30_000n

/** One transaction for `members`: a direct call for one, an `aggregate3` batch for several. */
export function transactionFor(members: readonly Member[]): { to: Address; data: Hex; gas: bigint } {
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

/** The larger of two bigints (Math.max takes numbers only). */
const larger = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/**
 * The relayer's signing side: fee estimates (reused for `feeCacheMs`) and EIP-1559 signatures by the settlement key,
 * made locally without asking the node anything.
 */
export class TransactionSigner {
  private feeCache: { at: number; fees: Promise<Fees> } | undefined

  constructor(
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly client: PublicClient,
    private readonly feeCacheMs: number,
  ) {}

  get address(): Address {
    return this.wallet.account.address
  }

  fees(): Promise<Fees> {
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

  /** Fees to replace a transaction signed with `previous`: each raised by `bumpPercent` (and at least today's). */
  async bumped(previous: Fees, bumpPercent: bigint): Promise<Fees> {
    const current = await this.fees().catch(() => previous)
    const bump = (value: bigint) => value + (value * bumpPercent) / 100n + 1n
    return {
      maxPriorityFeePerGas: bump(previous.maxPriorityFeePerGas),
      maxFeePerGas: larger(bump(previous.maxFeePerGas), current.maxFeePerGas),
    }
  }

  async sign(tx: { to: Address; data: Hex; gas: bigint; nonce: number } & Fees): Promise<Hex> {
    const account = this.wallet.account
    const chain = this.wallet.chain
    const request = { ...tx, type: 'eip1559' as const, chainId: chain.id }
    // A local key signs without asking the node anything (viem's action would fetch the chain id each time).
    if (account.signTransaction) {
      return account.signTransaction(request, { serializer: chain.serializers?.transaction } as never)
    }
    return this.wallet.signTransaction({ ...request, account, chain } as never)
  }

  /** A zero-value transfer to ourselves at `nonce`: what takes a nonce nothing else will use. */
  async filler(nonce: number, fees: Fees): Promise<SignedAtNonce> {
    const filler = { nonce, to: this.address, data: '0x' as Hex, gas: 21_000n, fees }
    return { ...filler, raw: await this.sign({ ...filler, ...fees }) }
  }
}
