import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hash,
  keccak256,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { ChainUnavailableError, revertReason, shortMessage } from './errors'

export type BroadcastResult =
  | { status: 'broadcast'; hash: Hash }
  | { status: 'rejected'; reason: string }
  /** Signed and possibly sent, but the node's answer was lost: the hash is known, the outcome is not. */
  | { status: 'unknown'; hash: Hash; error: string }

export interface ContractCall<
  abi extends Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
> {
  address: Address
  abi: abi
  functionName: name
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>
}

/**
 * Sends transactions from the one settlement key without nonce collisions: nonce assignment, gas estimation and
 * signing are serialised; waiting for receipts is not. The tx hash is computed from the signed bytes and handed to
 * `onSigned` BEFORE broadcasting, so a crash after broadcast still leaves the hash in the ledger.
 */
export class Relayer {
  private tail: Promise<unknown> = Promise.resolve()
  private nextNonce: number | undefined

  constructor(
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly client: PublicClient,
  ) {}

  get address(): Address {
    return this.wallet.account.address
  }

  send<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    call: ContractCall<abi, name>,
    onSigned: (hash: Hash) => Promise<void>,
  ): Promise<BroadcastResult> {
    const run = this.tail.then(() => this.sendNow(call, onSigned))
    this.tail = run.catch(() => undefined)
    return run
  }

  private async sendNow<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>>(
    call: ContractCall<abi, name>,
    onSigned: (hash: Hash) => Promise<void>,
  ): Promise<BroadcastResult> {
    const account = this.wallet.account
    let serialized: `0x${string}`
    let nonce: number
    try {
      nonce =
        this.nextNonce ??
        (await this.client.getTransactionCount({ address: account.address, blockTag: 'pending' }))
      const data = encodeFunctionData({
        abi: call.abi,
        functionName: call.functionName,
        args: call.args,
      } as never)
      const request = await this.wallet.prepareTransactionRequest({
        account,
        chain: this.wallet.chain,
        to: call.address,
        data,
        nonce,
      })
      serialized = await this.wallet.signTransaction(request as never)
    } catch (error) {
      this.nextNonce = undefined
      const reason = revertReason(error)
      if (reason) return { status: 'rejected', reason }
      throw new ChainUnavailableError('transaction preparation', { cause: error })
    }
    const hash = keccak256(serialized)
    await onSigned(hash)
    try {
      await this.client.sendRawTransaction({ serializedTransaction: serialized })
      this.nextNonce = nonce + 1
      return { status: 'broadcast', hash }
    } catch (error) {
      // The node may or may not have taken it: re-read the nonce next time and let the reconciler decide.
      this.nextNonce = undefined
      const reason = revertReason(error)
      if (reason) return { status: 'rejected', reason }
      return { status: 'unknown', hash, error: shortMessage(error) }
    }
  }
}
