import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  type Address,
  createTestClient,
  type Hex,
  hashTypedData,
  http,
  keccak256,
  parseAbi,
  publicActions,
  toHex,
} from 'viem'
import { base } from 'viem/chains'
import { CANONICAL } from '../config/networks'

const ARTIFACTS = path.resolve(import.meta.dirname, '../../contracts/artifacts')

/**
 * Canonical addresses of the x402 `upto` and `batch-settlement` contracts, the ones the official @x402/evm client
 * signs for (equal to its constants: x402-stand-ins.test.ts). On the devnet our own stand-ins sit there
 * (contracts/, docs/devnet-contracts.md); on Base Sepolia and Base the real deployments do.
 */
export const X402_STAND_INS = {
  uptoPermit2Proxy: '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002',
  batchSettlement: '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003',
  erc3009DepositCollector: '0x4020806089470a89826cB9fB1f4059150b550004',
  permit2DepositCollector: '0x4020425FAf3B746C082C2f942b4E5159887B0005',
} as const satisfies Record<string, Address>

const ARTIFACT_OF: Record<keyof typeof X402_STAND_INS, string> = {
  uptoPermit2Proxy: 'X402UptoPermit2ProxyStandIn',
  batchSettlement: 'X402BatchSettlementStandIn',
  erc3009DepositCollector: 'ERC3009DepositCollectorStandIn',
  permit2DepositCollector: 'Permit2DepositCollectorStandIn',
}

/** The `batch-settlement` EIP-712 domain (without chain and contract), as the scheme spec and @x402/evm define it. */
export const BATCH_SETTLEMENT_DOMAIN = { name: 'x402 Batch Settlement', version: '1' } as const

export const channelConfigTypes = {
  ChannelConfig: [
    { name: 'payer', type: 'address' },
    { name: 'payerAuthorizer', type: 'address' },
    { name: 'receiver', type: 'address' },
    { name: 'receiverAuthorizer', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'withdrawDelay', type: 'uint40' },
    { name: 'salt', type: 'bytes32' },
  ],
} as const

export interface ChannelConfig {
  payer: Address
  payerAuthorizer: Address
  receiver: Address
  receiverAuthorizer: Address
  token: Address
  withdrawDelay: number
  salt: Hex
}

/** A channel's id: the EIP-712 hash of its config under the channel contract's domain on `chainId`. */
export function channelIdOf(config: ChannelConfig, chainId: number): Hex {
  return hashTypedData({
    domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId, verifyingContract: X402_STAND_INS.batchSettlement },
    types: channelConfigTypes,
    primaryType: 'ChannelConfig',
    message: config,
  })
}

const checkAbi = parseAbi([
  'struct ChannelConfig { address payer; address payerAuthorizer; address receiver; address receiverAuthorizer; address token; uint40 withdrawDelay; bytes32 salt; }',
  'function PERMIT2() view returns (address)',
  'function WITNESS_TYPEHASH() view returns (bytes32)',
  'function BATCH_SETTLEMENT() view returns (address)',
  'function getChannelId(ChannelConfig config) view returns (bytes32)',
])

export interface X402StandInsResult {
  addresses: typeof X402_STAND_INS
  ms: number
}

function runtimeCode(artifact: string): Hex {
  const { deployedBytecode } = JSON.parse(readFileSync(path.join(ARTIFACTS, `${artifact}.json`), 'utf8')) as {
    deployedBytecode?: Hex
  }
  // Only contracts without immutables get a deployedBytecode in their artifact (scripts/build-contracts.ts).
  if (!deployedBytecode)
    throw new Error(`${artifact} has no etchable runtime code; run npm run contracts:build`)
  return deployedBytecode
}

/**
 * Etches the `upto` Permit2 proxy and the `batch-settlement` channel contract with its two deposit collectors at
 * their canonical addresses. They have no immutables, so their runtime code is written directly (no deployment
 * transaction: a few milliseconds). Then checks what real clients depend on: the proxy points at Permit2 and
 * hashes the `upto` witness, the collectors answer to the channel contract, and the channel contract derives
 * channel ids under the EIP-712 domain the client signs for (throws otherwise).
 */
export async function installX402StandIns(rpcUrl: string): Promise<X402StandInsResult> {
  const started = Date.now()
  const test = createTestClient({ chain: base, mode: 'anvil', transport: http(rpcUrl) }).extend(publicActions)
  await Promise.all(
    (Object.keys(X402_STAND_INS) as (keyof typeof X402_STAND_INS)[]).map((name) =>
      test.setCode({ address: X402_STAND_INS[name], bytecode: runtimeCode(ARTIFACT_OF[name]) }),
    ),
  )
  const chainId = await test.getChainId()
  const probe: ChannelConfig = {
    payer: '0x0000000000000000000000000000000000000001',
    payerAuthorizer: '0x0000000000000000000000000000000000000002',
    receiver: '0x0000000000000000000000000000000000000003',
    receiverAuthorizer: '0x0000000000000000000000000000000000000004',
    token: '0x0000000000000000000000000000000000000005',
    withdrawDelay: 900,
    salt: keccak256(toHex('devnet probe')),
  }
  const read = <T>(address: Address, functionName: string, args: unknown[] = []) =>
    test.readContract({ address, abi: checkAbi, functionName, args } as never) as Promise<T>
  const [permit2, witnessTypehash, collectorOwners, channelId] = await Promise.all([
    read<Address>(X402_STAND_INS.uptoPermit2Proxy, 'PERMIT2'),
    read<Hex>(X402_STAND_INS.uptoPermit2Proxy, 'WITNESS_TYPEHASH'),
    Promise.all(
      [X402_STAND_INS.erc3009DepositCollector, X402_STAND_INS.permit2DepositCollector].map((collector) =>
        read<Address>(collector, 'BATCH_SETTLEMENT'),
      ),
    ),
    read<Hex>(X402_STAND_INS.batchSettlement, 'getChannelId', [probe]),
  ])
  const problems = [
    permit2.toLowerCase() !== CANONICAL.permit2.toLowerCase() &&
      `the upto proxy points at ${permit2}, not Permit2`,
    witnessTypehash !== keccak256(toHex('Witness(address to,address facilitator,uint256 validAfter)')) &&
      'the upto proxy hashes another witness type',
    collectorOwners.some((owner) => owner.toLowerCase() !== X402_STAND_INS.batchSettlement.toLowerCase()) &&
      'a deposit collector answers to another channel contract',
    channelId !== channelIdOf(probe, chainId) &&
      `the channel contract's channel id ${channelId} differs from the client's ${channelIdOf(probe, chainId)}`,
  ].filter(Boolean)
  if (problems.length > 0) throw new Error(`x402 devnet stand-ins: ${problems.join('; ')}`)
  return { addresses: X402_STAND_INS, ms: Date.now() - started }
}
