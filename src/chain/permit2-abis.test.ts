import { readFileSync } from 'node:fs'
import path from 'node:path'
import { permit2WitnessTypes, x402ExactPermit2ProxyABI } from '@x402/evm'
import { type Abi, type AbiEvent, type AbiFunction, toEventSelector, toFunctionSelector } from 'viem'
import { describe, expect, it } from 'vitest'
import { permit2Abi, permitWitnessTransferFromTypes, x402ExactPermit2ProxyAbi } from './permit2-abis'

const root = path.resolve(import.meta.dirname, '../..')
const jsonAbi = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'contracts-abi', name), 'utf8')) as Abi

function selectors(abi: Abi, types: string[] = ['function', 'event']): Set<string> {
  return new Set(
    abi.flatMap((item) =>
      !types.includes(item.type)
        ? []
        : item.type === 'event'
          ? [toEventSelector(item as AbiEvent)]
          : [toFunctionSelector(item as AbiFunction)],
    ),
  )
}

describe('Permit2 and x402 proxy ABI fragments', () => {
  it.each([
    ['permit2Abi', permit2Abi, 'permit2.json'],
    ['x402ExactPermit2ProxyAbi', x402ExactPermit2ProxyAbi, 'x402-exact-permit2-proxy.json'],
  ])('%s ⊆ %s (functions, events, errors)', (_name, fragments, file) => {
    const all = ['function', 'event', 'error']
    const compiled = selectors(jsonAbi(file), all)
    for (const selector of selectors(fragments as Abi, all)) expect(compiled).toContain(selector)
  })

  it('the proxy stand-in is call-compatible with the x402 proxy ABI in @x402/evm', () => {
    const ours = selectors(jsonAbi('x402-exact-permit2-proxy.json'))
    const theirs = selectors(x402ExactPermit2ProxyABI as Abi)
    expect([...ours].sort()).toEqual([...theirs].sort())
    expect(ours).toContain(
      toFunctionSelector('settle(((address,uint256),uint256,uint256),address,(address,uint256),bytes)'),
    )
  })

  it('signs the witness types x402 clients sign', () => {
    expect(permitWitnessTransferFromTypes).toEqual(permit2WitnessTypes)
  })
})
