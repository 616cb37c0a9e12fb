import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  type Abi,
  type Address,
  createTestClient,
  createWalletClient,
  domainSeparator,
  type Hex,
  http,
  publicActions,
} from 'viem'
import { base } from 'viem/chains'
import { permit2Abi, x402ExactPermit2ProxyAbi } from '../chain/permit2-abis'
import { CANONICAL } from '../config/networks'
import { devnetAccount } from './accounts'

const ARTIFACTS = path.resolve(import.meta.dirname, '../../contracts/artifacts')

export interface Permit2InstallResult {
  permit2: Address
  proxy: Address
  /** Permit2's EIP-712 domain separator at the canonical address, as viem computes it. */
  domainSeparator: Hex
  /** How many copies of the cached separator were rewritten in Permit2's runtime code. */
  patchedSites: number
}

/** Permit2's EIP-712 domain: name "Permit2", no version, the chain id and the contract's own address. */
export function permit2DomainSeparator(chainId: number, verifyingContract: Address = CANONICAL.permit2): Hex {
  return domainSeparator({ domain: { name: 'Permit2', chainId, verifyingContract } })
}

/** Replaces every byte-aligned occurrence of the 32-byte `from` in `code` with `to`; returns how many there were. */
export function replaceWord(code: Hex, from: Hex, to: Hex): { code: Hex; count: number } {
  const needle = from.slice(2).toLowerCase()
  let hex = code.slice(2).toLowerCase()
  let count = 0
  for (let at = hex.indexOf(needle); at !== -1; at = hex.indexOf(needle, at + 1)) {
    if (at % 2 !== 0) continue
    hex = hex.slice(0, at) + to.slice(2).toLowerCase() + hex.slice(at + needle.length)
    count++
  }
  return { code: `0x${hex}`, count }
}

/**
 * Puts Permit2 (compiled from its npm source) at 0x000000000022D473030F116dDEE9F6B43aC78BA3 and the x402 exact proxy
 * stand-in at 0x402085c248EeA27D92E8b30b2C58ed07f9E20001.
 *
 * Permit2 caches its domain separator in an immutable computed from the address it was deployed at, so copied code
 * would sign-check against the wrong domain. The cached 32 bytes are found in the deployed runtime code and replaced
 * with the separator for the canonical address before etching; `DOMAIN_SEPARATOR()` there is then checked against
 * viem's value (throws if they differ, which would make every real client's signature fail).
 */
export async function installPermit2(rpcUrl: string): Promise<Permit2InstallResult> {
  const deployer = devnetAccount(0)
  const test = createTestClient({ chain: base, mode: 'anvil', transport: http(rpcUrl) }).extend(publicActions)
  const wallet = createWalletClient({ chain: base, account: deployer, transport: http(rpcUrl) })
  const chainId = await test.getChainId()

  async function deployedCode(name: string): Promise<{ address: Address; code: Hex }> {
    const artifact = JSON.parse(readFileSync(path.join(ARTIFACTS, `${name}.json`), 'utf8')) as {
      abi: Abi
      bytecode: Hex
    }
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode })
    const receipt = await test.waitForTransactionReceipt({ hash })
    if (!receipt.contractAddress) throw new Error(`deploying ${name} failed`)
    const code = await test.getCode({ address: receipt.contractAddress })
    if (!code) throw new Error(`no code for ${name}`)
    return { address: receipt.contractAddress, code }
  }

  const permit2 = await deployedCode('Permit2')
  const expected = permit2DomainSeparator(chainId)
  const patched = replaceWord(permit2.code, permit2DomainSeparator(chainId, permit2.address), expected)
  if (patched.count === 0)
    throw new Error('Permit2 runtime code does not contain its cached domain separator')
  await test.setCode({ address: CANONICAL.permit2, bytecode: patched.code })
  const actual = await test.readContract({
    address: CANONICAL.permit2,
    abi: permit2Abi,
    functionName: 'DOMAIN_SEPARATOR',
  })
  if (actual !== expected) {
    throw new Error(`Permit2 DOMAIN_SEPARATOR at ${CANONICAL.permit2} is ${actual}, expected ${expected}`)
  }

  const proxy = await deployedCode('X402ExactPermit2ProxyStandIn')
  await test.setCode({ address: CANONICAL.x402ExactPermit2Proxy, bytecode: proxy.code })
  const proxyPermit2 = await test.readContract({
    address: CANONICAL.x402ExactPermit2Proxy,
    abi: x402ExactPermit2ProxyAbi,
    functionName: 'PERMIT2',
  })
  if (proxyPermit2.toLowerCase() !== CANONICAL.permit2.toLowerCase()) {
    throw new Error(`the x402 Permit2 proxy points at ${proxyPermit2}, not ${CANONICAL.permit2}`)
  }
  return {
    permit2: CANONICAL.permit2,
    proxy: CANONICAL.x402ExactPermit2Proxy,
    domainSeparator: expected,
    patchedSites: patched.count,
  }
}
