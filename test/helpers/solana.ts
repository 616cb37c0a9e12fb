import { type Address, createSolanaRpc, devnet } from '@solana/kit'
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types'
import { SOLANA_DEVNET_CAIP2, toFacilitatorSvmSigner } from '@x402/svm'
import { ExactSvmScheme as ExactSvmClientScheme } from '@x402/svm/exact/client'
import { ExactSvmScheme as ExactSvmFacilitatorScheme } from '@x402/svm/exact/facilitator'
import { SOLANA_DEVNET_USDC_MINT, solanaDevnetSigner } from '../../src/devnet/solana/accounts'

/** The official @x402/svm client and facilitator pointed at a local Solana chain, and balance readers for it. */

export const PAYMENT_AMOUNT = 17_000n

export async function solanaRequirements(amount = PAYMENT_AMOUNT): Promise<PaymentRequirements> {
  const service = await solanaDevnetSigner(0)
  return {
    scheme: 'exact',
    network: SOLANA_DEVNET_CAIP2,
    asset: SOLANA_DEVNET_USDC_MINT,
    amount: amount.toString(),
    payTo: service.address,
    maxTimeoutSeconds: 60,
    extra: { feePayer: service.address },
  }
}

/** What an agent's wallet sends: the official client scheme, payer `index`, this chain as its RPC. */
export async function payWithOfficialClient(
  rpcUrl: string,
  payerIndex: number,
  requirements: PaymentRequirements,
): Promise<PaymentPayload> {
  const client = new ExactSvmClientScheme(await solanaDevnetSigner(payerIndex), { rpcUrl })
  const created = await client.createPaymentPayload(2, requirements)
  return { x402Version: 2, accepted: requirements, payload: created.payload }
}

/** The official facilitator scheme with account 0 as fee payer, reaching the chain at `rpcUrl`. */
export async function officialFacilitator(rpcUrl: string) {
  const signer = toFacilitatorSvmSigner(await solanaDevnetSigner(0), { defaultRpcUrl: rpcUrl })
  return { signer, scheme: new ExactSvmFacilitatorScheme(signer) }
}

export function solanaReader(rpcUrl: string) {
  const rpc = createSolanaRpc(devnet(rpcUrl))
  return {
    rpc,
    async usdc(owner: Address): Promise<bigint> {
      const [ata] = await findAssociatedTokenPda({
        owner,
        mint: SOLANA_DEVNET_USDC_MINT,
        tokenProgram: TOKEN_PROGRAM_ADDRESS,
      })
      return BigInt((await rpc.getTokenAccountBalance(ata).send()).value.amount)
    },
    async sol(owner: Address): Promise<bigint> {
      return (await rpc.getBalance(owner).send()).value
    },
  }
}

/** A raw JSON-RPC call (for the answers @solana/kit would turn into exceptions). */
export async function rawRpc(rpcUrl: string, method: string, params: unknown[] = []) {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
}
