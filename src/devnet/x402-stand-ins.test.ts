import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  BATCH_SETTLEMENT_ADDRESS,
  ERC3009_DEPOSIT_COLLECTOR_ADDRESS,
  BATCH_SETTLEMENT_DOMAIN as OFFICIAL_DOMAIN,
  x402UptoPermit2ProxyABI,
  x402UptoPermit2ProxyAddress,
} from '@x402/evm'
import { computeChannelId } from '@x402/evm/batch-settlement/client'
import type { Abi, AbiParameter, Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { officialBatchSettlementAbi, officialInternal } from '../../test/helpers/x402-stand-ins'
import { BATCH_SETTLEMENT_DOMAIN, type ChannelConfig, channelIdOf, X402_STAND_INS } from './x402-stand-ins'

const root = path.resolve(import.meta.dirname, '../..')
const readJson = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'))
const ourAbi = (name: string) => readJson(`contracts-abi/${name}`) as Abi

/** A parameter list as types only (tuples spelled out, names ignored): what the selector and the encoding depend on. */
function types(params: readonly AbiParameter[] = []): string {
  return params
    .map((p) => {
      const components = (p as { components?: readonly AbiParameter[] }).components
      const base = components ? `(${types(components)})${p.type.slice('tuple'.length)}` : p.type
      return 'indexed' in p && p.indexed ? `${base} indexed` : base
    })
    .join(',')
}

/** Every function, event and error as one comparable line, with outputs and mutability for functions. */
function shape(abi: Abi, kinds = ['function', 'event', 'error']): Set<string> {
  return new Set(
    abi
      .filter((item) => kinds.includes(item.type))
      .map((item) => {
        if (item.type === 'function') {
          return `function ${item.name}(${types(item.inputs)}) ${item.stateMutability} returns (${types(item.outputs)})`
        }
        if (item.type === 'event' || item.type === 'error')
          return `${item.type} ${item.name}(${types(item.inputs)})`
        return ''
      }),
  )
}

describe('x402 devnet stand-ins match what the official @x402/evm client and facilitator use', () => {
  it('sit at the canonical addresses the client signs for', async () => {
    expect(X402_STAND_INS.uptoPermit2Proxy).toBe(x402UptoPermit2ProxyAddress)
    expect(X402_STAND_INS.batchSettlement).toBe(BATCH_SETTLEMENT_ADDRESS)
    expect(X402_STAND_INS.erc3009DepositCollector).toBe(ERC3009_DEPOSIT_COLLECTOR_ADDRESS)
    expect(X402_STAND_INS.permit2DepositCollector).toBe(
      await officialInternal<string>('PERMIT2_DEPOSIT_COLLECTOR_ADDRESS'),
    )
  })

  it('the upto proxy has exactly the ABI @x402/evm ships: functions, outputs, events and errors', () => {
    const ours = shape(ourAbi('x402-upto-permit2-proxy.json'))
    const theirs = shape(x402UptoPermit2ProxyABI as Abi)
    expect([...ours].sort()).toEqual([...theirs].sort())
    expect(ours).toContain(
      'function settle(((address,uint256),uint256,uint256),uint256,address,(address,address,uint256),bytes) nonpayable returns ()',
    )
  })

  it('the channel contract has exactly the functions of @x402/evm batchSettlementABI and its Settled event', async () => {
    const official = await officialBatchSettlementAbi()
    const ours = ourAbi('x402-batch-settlement.json')
    expect([...shape(ours, ['function'])].sort()).toEqual([...shape(official, ['function'])].sort())
    for (const event of shape(official, ['event'])) expect(shape(ours, ['event'])).toContain(event)
    expect(shape(ours, ['event'])).toContain(
      'event Settled(address indexed,address indexed,address indexed,uint128)',
    )
  })

  it('derives channel ids under the domain the client signs for', () => {
    expect(BATCH_SETTLEMENT_DOMAIN).toEqual(OFFICIAL_DOMAIN)
    const config: ChannelConfig = {
      payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      payerAuthorizer: '0x0000000000000000000000000000000000000000',
      receiver: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      receiverAuthorizer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      token: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
      withdrawDelay: 2_592_000,
      salt: `0x${'ab'.repeat(32)}` as Hex,
    }
    for (const chainId of [8453, 84532]) {
      expect(channelIdOf(config, chainId)).toBe(computeChannelId(config as never, chainId))
    }
  })

  it('the stand-ins have no immutables: their artifacts carry runtime code to etch as it is', () => {
    for (const name of [
      'X402UptoPermit2ProxyStandIn',
      'X402BatchSettlementStandIn',
      'ERC3009DepositCollectorStandIn',
      'Permit2DepositCollectorStandIn',
    ]) {
      const artifact = readJson(`contracts/artifacts/${name}.json`) as { deployedBytecode?: string }
      expect(artifact.deployedBytecode, name).toMatch(/^0x[0-9a-f]{200,}$/)
    }
  })
})
