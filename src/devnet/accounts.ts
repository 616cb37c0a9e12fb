import { pbkdf2Sync } from 'node:crypto'
import { type HDAccount, HDKey, hdKeyToAccount } from 'viem/accounts'
import { DEVNET_MNEMONIC } from '../config/networks'

let masterKey: HDKey | undefined
const accounts = new Map<number, HDAccount>()

/**
 * The mnemonic's BIP-39 seed, derived once with Node's native PBKDF2: viem's `mnemonicToAccount` stretches the
 * mnemonic again on every call (~100 ms in JavaScript), which devnet set-up and tests would pay dozens of times.
 */
function devnetMasterKey(): HDKey {
  masterKey ??= HDKey.fromMasterSeed(
    pbkdf2Sync(DEVNET_MNEMONIC.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'),
  )
  return masterKey
}

/** Devnet account `index` from anvil's public test mnemonic (0 = settlement key and payTo, 1–9 = payers). */
export function devnetAccount(index: number): HDAccount {
  let account = accounts.get(index)
  if (!account) {
    account = hdKeyToAccount(devnetMasterKey(), { addressIndex: index })
    accounts.set(index, account)
  }
  return account
}

/** The private key of a devnet account. These keys are public test keys: never use them on a real chain. */
export function devnetPrivateKey(index: number): `0x${string}` {
  const key = devnetAccount(index).getHdKey().privateKey
  if (!key) throw new Error('no private key')
  return `0x${Buffer.from(key).toString('hex')}`
}

export const PAYER_INDEXES = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const
/** Payers that approved Permit2 for TMAI at setup (the devnet contract in the README). */
export const PERMIT2_APPROVED_PAYERS = [1, 2, 3, 4, 5] as const
