/**
 * anvil's well-known test mnemonic: account 0 settles and receives, accounts 1–9 are payers. Devnet only. Its own
 * module so the local Solana chain's process reads it without loading viem's chain list.
 */
export const DEVNET_MNEMONIC = 'test test test test test test test test test test test junk'
