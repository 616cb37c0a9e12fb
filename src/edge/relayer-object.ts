import { DurableObject } from 'cloudflare:workers'
import type { Abi } from 'viem'
import type { RelayerEndpoint } from '../chain/durable-relayer'
import { type BroadcastResult, type ContractCall, type OnSigned, Relayer } from '../chain/relayer'
import { createChainClients } from '../services'
import { configFromBindings, type WorkerBindings } from './bindings'

/**
 * The one owner of a settlement key's nonce sequence on Workers (one object per key, named by its address): hosts
 * the same Relayer a Node process uses, so sends from every isolate are serialised in one place. The ledger write
 * stays with the isolate that settles: the Relayer awaits `onSigned` — a call back into that isolate, which stores
 * the hash in D1 — before it broadcasts, exactly as in one process.
 */
export class SettlementRelayer extends DurableObject<WorkerBindings> implements RelayerEndpoint {
  private relayer: Relayer | undefined

  async send(call: ContractCall<Abi, string>, onSigned: OnSigned): Promise<BroadcastResult> {
    const result = await this.relayerOf().send(call, (hash, callIndex) => onSigned(hash, callIndex))
    // Only data crosses back to the isolate: it polls for the receipt itself (a function would become an RPC stub
    // into this object for every waiter).
    if (result.status !== 'broadcast') return result
    const { waitForReceipt: _local, ...data } = result
    return data
  }

  private relayerOf(): Relayer {
    if (!this.relayer) {
      const config = configFromBindings(this.env)
      if (!config.settlerPrivateKey || !config.rpcUrl) throw new Error('this deployment does not broadcast')
      const { client, walletFor } = createChainClients(config, config.rpcUrl)
      this.relayer = new Relayer(walletFor(config.settlerPrivateKey), client, config.settlement)
    }
    return this.relayer
  }
}
