import { PERMIT2_ADDRESS, x402ExactPermit2ProxyAddress } from '@x402/evm'
import { keccak256, maxUint256, toHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { permit2Abi, x402ExactPermit2ProxyAbi } from '../../src/chain/permit2-abis'
import { CANONICAL, NETWORKS } from '../../src/config/networks'
import { devnetAccount, PAYER_INDEXES, PERMIT2_APPROVED_PAYERS } from '../../src/devnet/accounts'
import { installPermit2, permit2DomainSeparator, replaceWord } from '../../src/devnet/permit2'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

describe('Permit2 on the devnet', () => {
  it('sits at the canonical address x402 clients sign for', async () => {
    expect(CANONICAL.permit2).toBe(PERMIT2_ADDRESS)
    expect(CANONICAL.x402ExactPermit2Proxy).toBe(x402ExactPermit2ProxyAddress)
    expect(await devnet.client.getCode({ address: CANONICAL.permit2 })).toMatch(/^0x[0-9a-f]{1000,}$/)
  })

  it("reports the domain separator of the canonical address, equal to viem's", async () => {
    const separator = await devnet.client.readContract({
      address: CANONICAL.permit2,
      abi: permit2Abi,
      functionName: 'DOMAIN_SEPARATOR',
    })
    expect(separator).toBe(permit2DomainSeparator(8453))
    expect(separator).toBe(permit2DomainSeparator(8453, PERMIT2_ADDRESS))
  })

  it('has the x402 exact proxy stand-in at its canonical address, pointing at Permit2', async () => {
    const read = <name extends 'PERMIT2' | 'WITNESS_TYPE_STRING' | 'WITNESS_TYPEHASH'>(functionName: name) =>
      devnet.client.readContract({
        address: CANONICAL.x402ExactPermit2Proxy,
        abi: x402ExactPermit2ProxyAbi,
        functionName,
      })
    expect(await read('PERMIT2')).toBe(CANONICAL.permit2)
    expect(await read('WITNESS_TYPE_STRING')).toBe(
      'Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)',
    )
    expect(await read('WITNESS_TYPEHASH')).toBe(keccak256(toHex('Witness(address to,uint256 validAfter)')))
  })

  it('installing again patches the cached separator again and leaves the same result', async () => {
    const result = await installPermit2(devnet.rpcUrl)
    expect(result.patchedSites).toBeGreaterThan(0)
    expect(result.domainSeparator).toBe(permit2DomainSeparator(8453))
  })

  it('accounts 1–5 have a max TMAI allowance for Permit2, 6–9 none', async () => {
    const tmai = NETWORKS.devnet.tmai!.address
    for (const index of PAYER_INDEXES) {
      const allowance = await devnet.client.readContract({
        address: tmai,
        abi: erc20Abi,
        functionName: 'allowance',
        args: [devnetAccount(index).address, CANONICAL.permit2],
      })
      const approved = (PERMIT2_APPROVED_PAYERS as readonly number[]).includes(index)
      expect(allowance, `account ${index}`).toBe(approved ? maxUint256 : 0n)
    }
  })
})

describe('replaceWord (the separator patch)', () => {
  const word = (byte: string) => `0x${byte.repeat(32)}` as const

  it('replaces every byte-aligned copy and counts them', () => {
    const code = `0x60${'ab'.repeat(32)}00${'ab'.repeat(32)}` as const
    expect(replaceWord(code, word('ab'), word('cd'))).toEqual({
      code: `0x60${'cd'.repeat(32)}00${'cd'.repeat(32)}`,
      count: 2,
    })
  })

  it('ignores matches that straddle bytes', () => {
    const code = `0x0${'ab'.repeat(32)}0` as const
    expect(replaceWord(code, word('ab'), word('cd')).count).toBe(0)
  })
})
