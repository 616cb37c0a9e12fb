import { type Address, type Chain, defineChain } from 'viem'
import { base, baseSepolia } from 'viem/chains'

/** How an asset is pulled from the payer. `eip3009`: transferWithAuthorization; `permit2`: Uniswap Permit2 via the x402 proxy. */
export type TransferMethod = 'eip3009' | 'permit2'

export interface AssetConfig {
  symbol: 'USDC' | 'TMAI'
  address: Address
  decimals: number
  transferMethod: TransferMethod
  /** EIP-712 domain of the token itself (EIP-3009 assets only). */
  eip712?: { name: string; version: string }
}

export interface NetworkConfig {
  id: NetworkName
  /** viem's definition of the chain (id, native currency, contracts such as Multicall3); the RPC URL comes later. */
  chain: Chain
  chainId: number
  /** CAIP-2 id used by x402 v2. */
  caip2: `eip155:${number}`
  /** Network name used by x402 v1. */
  v1Name: 'base' | 'base-sepolia'
  usdc: AssetConfig
  tmai?: AssetConfig
}

export type NetworkName = 'devnet' | 'base' | 'base-sepolia'

const BASE_USDC: AssetConfig = {
  symbol: 'USDC',
  address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  decimals: 6,
  transferMethod: 'eip3009',
  eip712: { name: 'USD Coin', version: '2' },
}

const BASE_TMAI: AssetConfig = {
  symbol: 'TMAI',
  address: '0xCa4569949699D56E1834EFe9f58747Ca0f151B01',
  decimals: 18,
  transferMethod: 'permit2',
}

const BASE_MAINNET: NetworkConfig = {
  id: 'base',
  chain: base,
  chainId: 8453,
  caip2: 'eip155:8453',
  v1Name: 'base',
  usdc: BASE_USDC,
  tmai: BASE_TMAI,
}

/** Data, not logic: the chains and assets we accept. The devnet mirrors Base mainnet (same chain id and addresses). */
export const NETWORKS: Record<NetworkName, NetworkConfig> = {
  devnet: { ...BASE_MAINNET, id: 'devnet' },
  base: BASE_MAINNET,
  'base-sepolia': {
    id: 'base-sepolia',
    chain: baseSepolia,
    chainId: 84532,
    caip2: 'eip155:84532',
    v1Name: 'base-sepolia',
    usdc: {
      symbol: 'USDC',
      address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
      decimals: 6,
      transferMethod: 'eip3009',
      eip712: { name: 'USDC', version: '2' },
    },
  },
}

/** The network's chain, talking to `rpcUrl` (the devnet is Base mainnet's chain id on a local anvil). */
export function chainFor(network: NetworkConfig, rpcUrl: string): Chain {
  return defineChain({ ...network.chain, rpcUrls: { default: { http: [rpcUrl] } } })
}

/** Canonical contract addresses the devnet reproduces. */
export const CANONICAL = {
  permit2: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
  x402ExactPermit2Proxy: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
  multicall3: '0xcA11bde05977b3631167028862bE2a173976CA11',
} as const satisfies Record<string, Address>

export { DEVNET_MNEMONIC } from './devnet-mnemonic'
