import type { PublicClient } from 'viem'
import type { AssetConfig, NetworkConfig } from '../config/networks'
import { eip3009Abi, erc20Abi } from './abis'

export class AssetRegistryMismatchError extends Error {
  override name = 'AssetRegistryMismatchError'
  constructor(readonly problems: string[]) {
    super(
      `the asset registry does not match the chain; refusing to start:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    )
  }
}

/**
 * Checks the configured assets against the chain before we quote anything: the RPC's chain id, contract code at each
 * address, decimals, and for EIP-3009 assets the EIP-712 name and version clients will sign. Fail closed: a wrong
 * token is never quoted.
 */
export async function checkAssetRegistry(
  client: Pick<PublicClient, 'getChainId' | 'getCode' | 'readContract'>,
  network: NetworkConfig,
): Promise<string[]> {
  const problems: string[] = []
  const chainId = await client.getChainId()
  if (chainId !== network.chainId)
    problems.push(`RPC chain id is ${chainId}, expected ${network.chainId} for ${network.id}`)
  const assets = [network.usdc, network.tmai].filter((a): a is AssetConfig => a !== undefined)
  for (const asset of assets) {
    const code = await client.getCode({ address: asset.address })
    if (!code || code === '0x') {
      problems.push(`${asset.symbol}: no contract code at ${asset.address}`)
      continue
    }
    const decimals = await client
      .readContract({ address: asset.address, abi: erc20Abi, functionName: 'decimals' })
      .catch(() => undefined)
    if (decimals !== asset.decimals)
      problems.push(`${asset.symbol}: decimals() is ${decimals}, expected ${asset.decimals}`)
    if (asset.transferMethod === 'eip3009' && asset.eip712) {
      const name = await client
        .readContract({ address: asset.address, abi: erc20Abi, functionName: 'name' })
        .catch(() => undefined)
      const version = await client
        .readContract({ address: asset.address, abi: eip3009Abi, functionName: 'version' })
        .catch(() => undefined)
      if (name !== asset.eip712.name)
        problems.push(
          `${asset.symbol}: EIP-712 name() is ${JSON.stringify(name)}, expected ${JSON.stringify(asset.eip712.name)}`,
        )
      if (version !== asset.eip712.version) {
        problems.push(
          `${asset.symbol}: EIP-712 version() is ${JSON.stringify(version)}, expected ${JSON.stringify(asset.eip712.version)}`,
        )
      }
    }
  }
  return problems
}
