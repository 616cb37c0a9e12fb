import { readFileSync } from 'node:fs'
import path from 'node:path'
import { mnemonicToSeedSync } from '@scure/bip39'
import { createKeyPairSignerFromPrivateKeyBytes } from '@solana/kit'
import { HDKey } from 'micro-key-producer/slip10.js'
import { describe, expect, it } from 'vitest'
import { DEVNET_MNEMONIC } from '../../config/devnet-mnemonic'
import {
  bip39Seed,
  SOLANA_DEVNET_USDC_MINT,
  SOLANA_PAYER_INDEXES,
  slip10Ed25519PrivateKey,
  solanaDerivationPath,
  solanaDevnetPrivateKey,
  solanaDevnetSigner,
} from './accounts'

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('local Solana account derivation', () => {
  it('follows SLIP-0010 test vector 1 for ed25519', () => {
    const seed = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
    expect(hex(slip10Ed25519PrivateKey(seed, 'm'))).toBe(
      '2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7',
    )
    expect(hex(slip10Ed25519PrivateKey(seed, "m/0'"))).toBe(
      '68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3',
    )
    expect(hex(slip10Ed25519PrivateKey(seed, "m/0'/1'/2'/2'/1000000000'"))).toBe(
      '8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793',
    )
  })

  it('refuses non-hardened steps, which ed25519 cannot derive', () => {
    expect(() => slip10Ed25519PrivateKey(new Uint8Array(16), "m/44'/501'/0")).toThrow(/hardened/)
    expect(() => solanaDerivationPath(-1)).toThrow(RangeError)
  })

  it('gives the same seed and keys as @scure/bip39 and micro-key-producer for accounts 0–9', async () => {
    const seed = mnemonicToSeedSync(DEVNET_MNEMONIC)
    expect(hex(bip39Seed(DEVNET_MNEMONIC))).toBe(hex(seed))
    for (const index of [0, ...SOLANA_PAYER_INDEXES]) {
      const reference = HDKey.fromMasterSeed(seed).derive(`m/44'/501'/${index}'/0'`)
      expect(hex(solanaDevnetPrivateKey(index))).toBe(hex(reference.privateKey))
      const signer = await solanaDevnetSigner(index)
      const fromReference = await createKeyPairSignerFromPrivateKeyBytes(reference.privateKey)
      expect(signer.address).toBe(fromReference.address)
    }
  })

  it('derives the addresses docs/solana-devnet.md lists', async () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../../docs/solana-devnet.md'), 'utf8')
    for (const index of [0, ...SOLANA_PAYER_INDEXES]) {
      const { address } = await solanaDevnetSigner(index)
      expect(doc).toContain(`| ${index} | \`${solanaDerivationPath(index)}\` | \`${address}\` |`)
    }
    expect(doc).toContain(SOLANA_DEVNET_USDC_MINT)
    // m/44'/501'/i'/0' is the path Phantom and `solana-keygen … 'prompt:?key=i/0'` use for account i.
    expect((await solanaDevnetSigner(0)).address).toBe('oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96')
    expect((await solanaDevnetSigner(1)).address).toBe('AqynRZwvVqUPRwRJXvm6odUb3t93fDjnWe3p6BeuUFxD')
    expect((await solanaDevnetSigner(9)).address).toBe('2yaW8VAMLhQiornz1BgcSWDUSH2jC2dmB8RWnTJi8Yab')
  })
})
