import { describe, expect, it } from 'vitest'
import { ChainIdMismatchError } from '../chain/chain-id-guard'
import type { PaymentAttempt } from './attempt'
import { chainGuardedFacilitator } from './chain-guarded-facilitator'
import type { Facilitator } from './facilitator'

const attempt = {} as PaymentAttempt
const TX = `0x${'ab'.repeat(32)}` as const

function inner(calls: string[]): Facilitator {
  return {
    kind: 'self',
    async verify() {
      calls.push('verify')
      return { ok: true }
    },
    async settle() {
      calls.push('settle')
      return { status: 'settled', txHash: TX }
    },
    async resolve() {
      calls.push('resolve')
      return { status: 'unresolved' }
    },
  }
}

describe('chainGuardedFacilitator', () => {
  it('passes every call through while the chain matches', async () => {
    const calls: string[] = []
    const facilitator = chainGuardedFacilitator(inner(calls), { assertMatches: async () => {} })
    expect(await facilitator.verify(attempt)).toEqual({ ok: true })
    expect(await facilitator.settle(attempt, { onTxHash: async () => {} })).toMatchObject({
      status: 'settled',
    })
    expect(await facilitator.resolve(attempt, null)).toEqual({ status: 'unresolved' })
    expect(calls).toEqual(['verify', 'settle', 'resolve'])
  })

  it('on another chain nothing reaches the facilitator: verification and resolution throw, settlement is not sent', async () => {
    const calls: string[] = []
    const facilitator = chainGuardedFacilitator(inner(calls), {
      assertMatches: async () => {
        throw new ChainIdMismatchError(84532, 8453)
      },
    })
    await expect(facilitator.verify(attempt)).rejects.toBeInstanceOf(ChainIdMismatchError)
    await expect(facilitator.resolve(attempt, TX)).rejects.toBeInstanceOf(ChainIdMismatchError)
    expect(await facilitator.settle(attempt, { onTxHash: async () => {} })).toEqual({
      status: 'failed',
      reason: 'settlement_unavailable',
      message:
        'not sent: chain unavailable during chain id check: the RPC reports chain id 84532, expected 8453',
    })
    expect(calls).toEqual([])
  })
})
