import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { toFacilitatorEvmSigner } from '@x402/evm'
import {
  type Abi,
  type Account,
  type Address,
  createWalletClient,
  type Hash,
  http,
  publicActions,
  type TransactionReceipt,
} from 'viem'
import type { TestDevnet } from './devnet'

const require = createRequire(import.meta.url)
const evmDist = path.join(path.dirname(require.resolve('@x402/evm')), '..', 'esm')

/**
 * A value @x402/evm defines but does not export from any entry point (the channel contract's ABI, the Permit2
 * deposit collector's address, the facilitator's ClaimBatch and Refund signers): imported from the bundled chunk
 * that declares it (`var name =` or `function name(`), so tests use the exact code the official client and
 * facilitator run.
 */
export async function officialInternal<T>(name: string): Promise<T> {
  const declarations = [`var ${name} =`, `function ${name}(`]
  const chunk = readdirSync(evmDist).find((file) => {
    if (!file.endsWith('.mjs')) return false
    const text = readFileSync(path.join(evmDist, file), 'utf8')
    return declarations.some((declaration) => text.includes(declaration))
  })
  if (!chunk) throw new Error(`${name} not found in @x402/evm's bundle`)
  const module = (await import(pathToFileURL(path.join(evmDist, chunk)).href)) as Record<string, T>
  const value = module[name]
  if (value === undefined) throw new Error(`${chunk} does not export ${name}`)
  return value
}

export const officialBatchSettlementAbi = () => officialInternal<Abi>('batchSettlementABI')

/** A wallet on the devnet that can also read, extended as the official facilitator's signer wants it. */
export function devnetWallet(devnet: TestDevnet, account: Account) {
  return createWalletClient({ account, chain: devnet.chain, transport: http(devnet.rpcUrl) }).extend(
    publicActions,
  )
}

/** The official facilitators' signer over a devnet account (reads go out with `from` = that account). */
export function facilitatorSigner(devnet: TestDevnet, account: Account & { address: Address }) {
  const wallet = devnetWallet(devnet, account)
  return toFacilitatorEvmSigner(Object.assign(wallet, { address: account.address }) as never)
}

/** Gas used by a mined transaction, failing the test when it reverted. */
export async function gasOf(
  devnet: TestDevnet,
  hash: Hash,
): Promise<{ gas: bigint; receipt: TransactionReceipt }> {
  const receipt = await devnet.client.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
  return { gas: receipt.gasUsed, receipt }
}
