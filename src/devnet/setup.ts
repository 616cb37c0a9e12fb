import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  type Abi,
  type Address,
  type Chain,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  maxUint256,
  parseAbi,
  parseEther,
  publicActions,
} from 'viem'
import { CANONICAL, chainFor, NETWORKS } from '../config/networks'
import { devnetAccount, PAYER_INDEXES, PERMIT2_APPROVED_PAYERS } from './accounts'
import { installPermit2 } from './permit2'
import { installX402StandIns, X402_STAND_INS } from './x402-stand-ins'

const ARTIFACTS = path.resolve(import.meta.dirname, '../../contracts/artifacts')

interface Artifact {
  abi?: Abi
  bytecode: Hex
}

function loadArtifact(name: string): Artifact {
  return JSON.parse(readFileSync(path.join(ARTIFACTS, `${name}.json`), 'utf8')) as Artifact
}

/** Base mainnet's chain definition pointed at a local RPC: same id (8453), so signatures match real clients. */
export function devnetChain(rpcUrl: string): Chain {
  return chainFor(NETWORKS.devnet, rpcUrl)
}

export const DEVNET_FUNDING = {
  eth: parseEther('10'),
  usdc: 1_000n * 10n ** 6n,
  tmai: 1_000_000n * 10n ** 18n,
} as const

const mintAbi = parseAbi([
  'function mint(address to, uint256 amount)',
  'function approve(address, uint256) returns (bool)',
])

export interface DevnetSetupResult {
  usdc: Address
  tmai: Address
  multicall3: Address
  /** The x402 `upto` proxy and `batch-settlement` stand-ins, at the addresses the official client signs for. */
  x402: typeof X402_STAND_INS
  ms: number
}

/**
 * Prepares a fresh anvil chain as the devnet contract (README, "The devnet") specifies: the project's USDC-like and TMAI-like tokens and Multicall3
 * etched at their canonical Base addresses, Permit2 with the x402 exact proxy, the x402 `upto` proxy and the
 * `batch-settlement` channel contract stand-ins (docs/devnet-contracts.md), accounts 1–9 funded, accounts 1–5
 * approving Permit2 for TMAI.
 * Contracts are deployed once from compiled artifacts, then their runtime code (immutables filled) is copied.
 */
export async function setupDevnet(rpcUrl: string): Promise<DevnetSetupResult> {
  const started = Date.now()
  const chain = devnetChain(rpcUrl)
  const deployer = devnetAccount(0)
  const test = createTestClient({ chain, mode: 'anvil', transport: http(rpcUrl) }).extend(publicActions)
  const wallet = createWalletClient({ chain, account: deployer, transport: http(rpcUrl) })
  const network = NETWORKS.devnet
  const tmai = network.tmai!

  async function etch(name: string, target: Address, args: unknown[] = []): Promise<void> {
    const artifact = loadArtifact(name)
    const hash = await wallet.deployContract({ abi: artifact.abi ?? [], bytecode: artifact.bytecode, args })
    const receipt = await test.waitForTransactionReceipt({ hash })
    if (!receipt.contractAddress) throw new Error(`deploying ${name} failed`)
    const code = await test.getCode({ address: receipt.contractAddress })
    if (!code) throw new Error(`no code for ${name}`)
    await test.setCode({ address: target, bytecode: code })
  }

  await etch('DevnetUSDC', network.usdc.address, [deployer.address])
  await etch('DevnetTMAI', tmai.address, [deployer.address])
  await etch('Multicall3', CANONICAL.multicall3)
  // The stand-ins are etched without transactions, so they go alongside Permit2's deployment.
  await Promise.all([installPermit2(rpcUrl), installX402StandIns(rpcUrl)])

  const hashes: Hex[] = []
  for (const index of PAYER_INDEXES) {
    const payer = devnetAccount(index).address
    hashes.push(
      await wallet.writeContract({
        address: network.usdc.address,
        abi: mintAbi,
        functionName: 'mint',
        args: [payer, DEVNET_FUNDING.usdc],
      }),
      await wallet.writeContract({
        address: tmai.address,
        abi: mintAbi,
        functionName: 'mint',
        args: [payer, DEVNET_FUNDING.tmai],
      }),
    )
  }
  for (const index of PERMIT2_APPROVED_PAYERS) {
    const payerWallet = createWalletClient({ chain, account: devnetAccount(index), transport: http(rpcUrl) })
    hashes.push(
      await payerWallet.writeContract({
        address: tmai.address,
        abi: mintAbi,
        functionName: 'approve',
        args: [CANONICAL.permit2, maxUint256],
      }),
    )
  }
  for (const hash of hashes) {
    const receipt = await test.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`devnet setup transaction ${hash} reverted`)
  }
  // Last, so the approvals' gas does not leave payers short of the documented 10 ETH.
  for (const index of PAYER_INDEXES) {
    await test.setBalance({ address: devnetAccount(index).address, value: DEVNET_FUNDING.eth })
  }
  return {
    usdc: network.usdc.address,
    tmai: tmai.address,
    multicall3: CANONICAL.multicall3,
    x402: X402_STAND_INS,
    ms: Date.now() - started,
  }
}
