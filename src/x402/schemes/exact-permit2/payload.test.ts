import { maxUint256 } from 'viem'
import { describe, expect, it } from 'vitest'
import { ExactPermit2Payload } from '../../schemas'
import { nonceBitPosition, permit2Message } from './payload'

const wire = {
  signature: `0x${'11'.repeat(65)}`,
  permit2Authorization: {
    from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    permitted: { token: '0xCa4569949699D56E1834EFe9f58747Ca0f151B01', amount: '21857142857142857143' },
    spender: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
    nonce: maxUint256.toString(),
    deadline: '1774000000',
    witness: { to: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', validAfter: '0' },
  },
}

describe('ExactPermit2Payload', () => {
  it('accepts what x402 v2 clients send, uint256 nonce included', () => {
    expect(ExactPermit2Payload.parse(wire)).toEqual(wire)
  })

  it.each([
    ['a nonce above 2^256 - 1', { nonce: (maxUint256 + 1n).toString() }],
    ['a numeric deadline', { deadline: 1774000000 }],
    ['a hex nonce', { nonce: '0x01' }],
    ['a short spender', { spender: '0x402085c248' }],
  ])('refuses %s', (_case, change) => {
    const payload = { ...wire, permit2Authorization: { ...wire.permit2Authorization, ...change } }
    expect(ExactPermit2Payload.safeParse(payload).success).toBe(false)
  })
})

describe('permit2Message', () => {
  it('checksums addresses whatever their case on the wire', () => {
    const auth = { ...wire.permit2Authorization, spender: '0x402085C248eea27d92e8b30b2c58ed07f9e20001' }
    expect(permit2Message(auth).spender).toBe('0x402085c248EeA27D92E8b30b2C58ed07f9E20001')
  })
})

describe('nonceBitPosition', () => {
  it("is Permit2's word (nonce >> 8) and bit (1 << (nonce & 0xff))", () => {
    expect(nonceBitPosition(0n)).toEqual({ wordPos: 0n, bit: 1n })
    expect(nonceBitPosition(257n)).toEqual({ wordPos: 1n, bit: 2n })
    expect(nonceBitPosition(maxUint256)).toEqual({ wordPos: maxUint256 >> 8n, bit: 1n << 255n })
  })
})
