import {
  type Address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  getTransactionEncoder,
  type Instruction,
  type KeyPairSigner,
  none,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  some,
} from '@solana/kit'
import {
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  getCreateAssociatedTokenIdempotentInstructionAsync,
  getMintEncoder,
  getMintToCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token'
import { MEMO_PROGRAM_ADDRESS } from '@x402/svm'
import {
  SOLANA_DEVNET_USDC_DECIMALS,
  SOLANA_DEVNET_USDC_MINT,
  SOLANA_PAYER_INDEXES,
  SOLANA_SERVICE_INDEX,
  solanaDevnetSigner,
} from './accounts'
import type { LocalSolanaChain } from './chain'
import { decodeTransaction } from './transaction'

/** The local Solana chain's prepared state (docs/solana-devnet.md): fresh, in memory, on every start. */

export const LAMPORTS_PER_SOL = 1_000_000_000n
export const SERVICE_SOL = 100n * LAMPORTS_PER_SOL
export const PAYER_SOL = 10n * LAMPORTS_PER_SOL
/** 1,000 USDC in atomic units (6 decimals). */
export const PAYER_USDC = 1_000_000_000n
const MINT_SIZE = 82

export interface SolanaDevnetAccounts {
  mint: Address
  /** Account 0: fee payer, payTo and mint authority. */
  feePayer: Address
  payTo: Address
  /** Accounts 1–9, in order. */
  payers: Address[]
}

export class SolanaSetupError extends Error {
  override name = 'SolanaSetupError'
}

/** Programs an x402 payment on this chain runs: the client's transfer, its Memo, and our set-up's ATA creation. */
const REQUIRED_PROGRAMS = [
  TOKEN_PROGRAM_ADDRESS,
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  MEMO_PROGRAM_ADDRESS,
] as Address[]

export async function prepareSolanaDevnet(chain: LocalSolanaChain): Promise<SolanaDevnetAccounts> {
  for (const program of REQUIRED_PROGRAMS) {
    if (!chain.getAccount(program)?.executable)
      throw new SolanaSetupError(`program ${program} is missing from LiteSVM`)
  }
  const service = await solanaDevnetSigner(SOLANA_SERVICE_INDEX)
  const payers = await Promise.all(SOLANA_PAYER_INDEXES.map((index) => solanaDevnetSigner(index)))
  chain.airdrop(service.address, SERVICE_SOL)
  for (const payer of payers) chain.airdrop(payer.address, PAYER_SOL)

  // The mint is written in place (its canonical devnet address has no key we hold), with account 0 as its authority;
  // token accounts and balances then come from real Token / Associated Token program instructions.
  chain.setAccount(SOLANA_DEVNET_USDC_MINT, {
    lamports: chain.rentExemptMinimum(MINT_SIZE),
    owner: TOKEN_PROGRAM_ADDRESS as Address,
    executable: false,
    data: Uint8Array.from(
      getMintEncoder().encode({
        mintAuthority: some(service.address),
        supply: 0n,
        decimals: SOLANA_DEVNET_USDC_DECIMALS,
        isInitialized: true,
        freezeAuthority: none(),
      }),
    ),
  })
  await runAsService(chain, service, [await createTokenAccount(service, service.address)])
  for (const payer of payers) {
    const create = await createTokenAccount(service, payer.address)
    const mint = getMintToCheckedInstruction({
      mint: SOLANA_DEVNET_USDC_MINT,
      token: create.accounts[1].address,
      mintAuthority: service,
      amount: PAYER_USDC,
      decimals: SOLANA_DEVNET_USDC_DECIMALS,
    })
    await runAsService(chain, service, [create, mint])
  }
  return {
    mint: SOLANA_DEVNET_USDC_MINT,
    feePayer: service.address,
    payTo: service.address,
    payers: payers.map((payer) => payer.address),
  }
}

function createTokenAccount(service: KeyPairSigner, owner: Address) {
  return getCreateAssociatedTokenIdempotentInstructionAsync({
    payer: service,
    owner,
    mint: SOLANA_DEVNET_USDC_MINT,
  })
}

async function runAsService(chain: LocalSolanaChain, service: KeyPairSigner, instructions: Instruction[]) {
  const signed = await pipe(
    createTransactionMessage({ version: 0 }),
    (message) => setTransactionMessageFeePayerSigner(service, message),
    (message) => setTransactionMessageLifetimeUsingBlockhash(chain.latestBlockhash(), message),
    (message) => appendTransactionMessageInstructions(instructions, message),
    (message) => signTransactionMessageWithSigners(message),
  )
  const outcome = chain.send(decodeTransaction(Uint8Array.from(getTransactionEncoder().encode(signed))), {
    skipPreflight: false,
  })
  if (outcome.kind !== 'landed' || outcome.transaction.err !== null) {
    const err = outcome.kind === 'landed' ? outcome.transaction.err : outcome.err
    throw new SolanaSetupError(`set-up transaction failed: ${JSON.stringify(err)}`)
  }
}
