import { type Address, isSome, type Option } from '@solana/kit'
import { AccountState, getMintDecoder, getTokenDecoder, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import { TOKEN_2022_PROGRAM_ADDRESS } from '@x402/svm'

/**
 * SPL Token (and Token-2022 base layout) accounts read from raw account data, rendered the way a Solana RPC node's
 * `jsonParsed` encoding and token-balance fields show them.
 */

const MINT_SIZE = 82
const TOKEN_ACCOUNT_SIZE = 165
/** Token-2022 writes the account type after the base layout when extensions follow: 1 = mint, 2 = token account. */
const ACCOUNT_TYPE_OFFSET = TOKEN_ACCOUNT_SIZE

export interface RawAccount {
  lamports: bigint
  data: Uint8Array
  owner: Address
  executable: boolean
}

export type TokenProgramName = 'spl-token' | 'spl-token-2022'

export function tokenProgramName(owner: string): TokenProgramName | undefined {
  if (owner === TOKEN_PROGRAM_ADDRESS) return 'spl-token'
  if (owner === TOKEN_2022_PROGRAM_ADDRESS) return 'spl-token-2022'
  return undefined
}

export interface TokenAccountState {
  mint: Address
  owner: Address
  amount: bigint
  state: 'uninitialized' | 'initialized' | 'frozen'
  delegate: Address | null
  delegatedAmount: bigint
  isNative: boolean
  closeAuthority: Address | null
}

export interface MintState {
  mintAuthority: Address | null
  supply: bigint
  decimals: number
  isInitialized: boolean
  freezeAuthority: Address | null
}

const optional = (value: Option<Address>) => (isSome(value) ? value.value : null)

const STATE_NAMES = {
  [AccountState.Uninitialized]: 'uninitialized',
  [AccountState.Initialized]: 'initialized',
  [AccountState.Frozen]: 'frozen',
} as const

function isTokenAccountData(program: TokenProgramName, data: Uint8Array): boolean {
  if (data.length === TOKEN_ACCOUNT_SIZE) return true
  return program === 'spl-token-2022' && data.length > TOKEN_ACCOUNT_SIZE && data[ACCOUNT_TYPE_OFFSET] === 2
}

function isMintData(program: TokenProgramName, data: Uint8Array): boolean {
  if (data.length === MINT_SIZE) return true
  return program === 'spl-token-2022' && data.length > TOKEN_ACCOUNT_SIZE && data[ACCOUNT_TYPE_OFFSET] === 1
}

export function readTokenAccount(account: RawAccount): TokenAccountState | undefined {
  const program = tokenProgramName(account.owner)
  if (!program || !isTokenAccountData(program, account.data)) return undefined
  const token = getTokenDecoder().decode(account.data.subarray(0, TOKEN_ACCOUNT_SIZE))
  return {
    mint: token.mint,
    owner: token.owner,
    amount: token.amount,
    state: STATE_NAMES[token.state],
    delegate: optional(token.delegate),
    delegatedAmount: token.delegatedAmount,
    isNative: isSome(token.isNative),
    closeAuthority: optional(token.closeAuthority),
  }
}

export function readMint(account: RawAccount): MintState | undefined {
  const program = tokenProgramName(account.owner)
  if (!program || !isMintData(program, account.data)) return undefined
  const mint = getMintDecoder().decode(account.data.subarray(0, MINT_SIZE))
  return {
    mintAuthority: optional(mint.mintAuthority),
    supply: mint.supply,
    decimals: mint.decimals,
    isInitialized: mint.isInitialized,
    freezeAuthority: optional(mint.freezeAuthority),
  }
}

/** An amount as `"0.017"` (no float on the way). */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString()
  const digits = amount.toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, -decimals)
  const fraction = digits.slice(-decimals).replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole
}

/** RPC's `UiTokenAmount`: `uiAmount` is a float on the wire, as a node sends it; `amount` is the exact figure. */
export function uiTokenAmount(amount: bigint, decimals: number) {
  const text = uiAmountString(amount, decimals)
  return { amount: amount.toString(), decimals, uiAmount: Number(text), uiAmountString: text }
}

/** `getAccountInfo` with `jsonParsed`: the parsed form for token accounts and mints, undefined for anything else. */
export function parsedTokenAccountData(
  account: RawAccount,
  decimalsOf: (mint: Address) => number | undefined,
) {
  const program = tokenProgramName(account.owner)
  if (!program) return undefined
  const token = readTokenAccount(account)
  if (token) {
    const decimals = decimalsOf(token.mint)
    if (decimals === undefined) return undefined
    const info: Record<string, unknown> = {
      isNative: token.isNative,
      mint: token.mint,
      owner: token.owner,
      state: token.state,
      tokenAmount: uiTokenAmount(token.amount, decimals),
    }
    if (token.delegate) {
      info.delegate = token.delegate
      info.delegatedAmount = uiTokenAmount(token.delegatedAmount, decimals)
    }
    if (token.closeAuthority) info.closeAuthority = token.closeAuthority
    return { program, parsed: { type: 'account', info }, space: account.data.length }
  }
  const mint = readMint(account)
  if (mint) {
    const info = {
      decimals: mint.decimals,
      freezeAuthority: mint.freezeAuthority,
      isInitialized: mint.isInitialized,
      mintAuthority: mint.mintAuthority,
      supply: mint.supply.toString(),
    }
    return { program, parsed: { type: 'mint', info }, space: account.data.length }
  }
  return undefined
}
