import { type HDAccount, mnemonicToAccount } from 'viem/accounts'
import { DEVNET_MNEMONIC } from '../config/networks'

/** Devnet account `index` from anvil's public test mnemonic (0 = settlement key and payTo, 1–9 = payers). */
export function devnetAccount(index: number): HDAccount {
  return mnemonicToAccount(DEVNET_MNEMONIC, { addressIndex: index })
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
