import { mnemonicToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { DEVNET_MNEMONIC } from '../config/networks'
import { devnetAccount, devnetPrivateKey } from './accounts'

describe('devnet accounts (seed derived once with native PBKDF2)', () => {
  it.each([0, 1, 9, 14])('account %i is the one viem derives from the mnemonic, key included', (index) => {
    const expected = mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index })
    expect(devnetAccount(index).address).toBe(expected.address)
    expect(devnetPrivateKey(index)).toBe(`0x${Buffer.from(expected.getHdKey().privateKey!).toString('hex')}`)
  })

  it("anvil's well-known first accounts", () => {
    expect(devnetAccount(0).address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    expect(devnetAccount(1).address).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
  })
})
