import { createHmac, pbkdf2Sync } from 'node:crypto'
import { type Address, createKeyPairSignerFromPrivateKeyBytes, type KeyPairSigner } from '@solana/kit'
import { USDC_DEVNET_ADDRESS } from '@x402/svm'
import { DEVNET_MNEMONIC } from '../../config/devnet-mnemonic'

/**
 * The local Solana chain's fixed accounts (docs/solana-devnet.md). Keys come from anvil's public test mnemonic, the
 * way Solana wallets (Phantom, `solana-keygen --derivation-path`) derive them: BIP-39 seed, then SLIP-0010 ed25519 at
 * m/44'/501'/i'/0'. These are public test keys: never use them on a real chain.
 *
 * Both steps are a few HMACs, done here with node:crypto: pure-JS libraries (@scure/bip39, micro-key-producer's
 * slip10) took ~1.5 s for the ten keys at every start. The tests check these keys against those libraries.
 */

/** Account 0: the service's fee payer, its payTo and the USDC mint authority on the local chain (as on the EVM devnet). */
export const SOLANA_SERVICE_INDEX = 0
export const SOLANA_PAYER_INDEXES = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const

/**
 * The USDC-like mint sits at Circle's devnet USDC address, the default asset @x402/svm uses for solana devnet, so an
 * unmodified client or server that says "USDC on devnet" finds it here too.
 */
export const SOLANA_DEVNET_USDC_MINT = USDC_DEVNET_ADDRESS as Address
export const SOLANA_DEVNET_USDC_DECIMALS = 6

const HARDENED = 0x8000_0000

export function solanaDerivationPath(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= HARDENED)
    throw new RangeError(`bad account index ${index}`)
  return `m/44'/501'/${index}'/0'`
}

/** BIP-39: PBKDF2-HMAC-SHA512 over the NFKD mnemonic, salt "mnemonic" + passphrase, 2,048 rounds, 64 bytes. */
export function bip39Seed(mnemonic: string, passphrase = ''): Uint8Array {
  return pbkdf2Sync(mnemonic.normalize('NFKD'), `mnemonic${passphrase}`.normalize('NFKD'), 2048, 64, 'sha512')
}

/** SLIP-0010 for ed25519 (hardened steps only, as the curve requires): the 32-byte private key at `path`. */
export function slip10Ed25519PrivateKey(seed: Uint8Array, path: string): Uint8Array {
  if (!/^m(\/\d+')*$/.test(path)) throw new Error(`not a hardened SLIP-0010 path: ${path}`)
  let node = createHmac('sha512', 'ed25519 seed').update(seed).digest()
  for (const step of path.split('/').slice(1)) {
    const index = Number(step.slice(0, -1))
    if (index >= HARDENED) throw new RangeError(`bad path index ${step}`)
    const data = Buffer.alloc(37)
    node.copy(data, 1, 0, 32)
    data.writeUInt32BE(index + HARDENED, 33)
    node = createHmac('sha512', node.subarray(32)).update(data).digest()
  }
  return Uint8Array.from(node.subarray(0, 32))
}

let seed: Uint8Array | undefined

/** The 32-byte ed25519 private key (seed) of local Solana account `index`. */
export function solanaDevnetPrivateKey(index: number): Uint8Array {
  seed ??= bip39Seed(DEVNET_MNEMONIC)
  return slip10Ed25519PrivateKey(seed, solanaDerivationPath(index))
}

/** A @solana/kit signer for local Solana account `index` (0 = fee payer and payTo, 1–9 = payers). */
export function solanaDevnetSigner(index: number): Promise<KeyPairSigner> {
  return createKeyPairSignerFromPrivateKeyBytes(solanaDevnetPrivateKey(index))
}
