import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type Abi, type AbiEvent, type AbiFunction, toEventSelector, toFunctionSelector } from 'viem'
import { describe, expect, it } from 'vitest'
import { eip3009Abi, erc20Abi } from './abis'

const root = path.resolve(import.meta.dirname, '../..')
const jsonAbi = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'contracts-abi', name), 'utf8')) as Abi

function selectors(abi: Abi): Set<string> {
  return new Set(
    abi.flatMap((item) =>
      item.type === 'function'
        ? [toFunctionSelector(item as AbiFunction)]
        : item.type === 'event'
          ? [toEventSelector(item as AbiEvent)]
          : [],
    ),
  )
}

describe('typed ABI fragments match the compiled contracts', () => {
  it.each([
    ['erc20Abi', erc20Abi, 'usdc-eip3009.json'],
    ['eip3009Abi', eip3009Abi, 'usdc-eip3009.json'],
    ['erc20Abi (TMAI)', erc20Abi, 'erc20.json'],
  ])('%s ⊆ %s', (_name, fragments, file) => {
    const compiled = selectors(jsonAbi(file))
    for (const selector of selectors(fragments as Abi)) expect(compiled).toContain(selector)
  })

  it('uses the EIP-3009 selectors x402 documents', () => {
    const compiled = selectors(jsonAbi('usdc-eip3009.json'))
    expect(compiled).toContain('0xcf092995') // transferWithAuthorization(..., bytes signature)
    expect(compiled).toContain('0xe3ee160e') // transferWithAuthorization(..., v, r, s)
    expect(compiled).toContain('0xe94a0102') // authorizationState
  })

  it('TMAI has neither permit nor EIP-3009, like the real token', () => {
    const compiled = selectors(jsonAbi('erc20.json'))
    expect(compiled).not.toContain('0xd505accf')
    expect(compiled).not.toContain('0xcf092995')
  })
})
