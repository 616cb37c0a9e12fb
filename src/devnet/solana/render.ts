import { type Address, getBase58Decoder, getBase64Decoder } from '@solana/kit'
import { MEMO_PROGRAM_ADDRESS } from '@x402/svm'
import type { ExecutionDetails, InnerInstructionGroup, LandedTransaction, TokenBalance } from './chain'
import { parsedTokenAccountData, type RawAccount, tokenProgramName, uiTokenAmount } from './token-accounts'

/** Accounts and transactions in the shapes a Solana RPC node answers with, for each encoding a client may ask. */

export type AccountEncoding = 'binary' | 'base58' | 'base64' | 'jsonParsed'
export type TransactionEncoding = 'json' | 'jsonParsed' | 'base58' | 'base64'

/** Every account here is rent-exempt, which a node reports as rent epoch u64::MAX. */
const RENT_EXEMPT_EPOCH = 2n ** 64n - 1n
/** A node refuses base58 for larger data (base58 is quadratic). */
export const MAX_BASE58_BYTES = 128

const base58 = (bytes: Uint8Array) => getBase58Decoder().decode(bytes)
const base64 = (bytes: Uint8Array) => getBase64Decoder().decode(bytes)

export function renderAccount(
  account: RawAccount,
  encoding: AccountEncoding,
  decimalsOf: (mint: Address) => number | undefined,
  dataSlice?: { offset: number; length: number },
) {
  const data = dataSlice
    ? account.data.subarray(dataSlice.offset, dataSlice.offset + dataSlice.length)
    : account.data
  let rendered: unknown
  if (encoding === 'jsonParsed')
    rendered = parsedTokenAccountData(account, decimalsOf) ?? [base64(data), 'base64']
  else if (encoding === 'base64') rendered = [base64(data), 'base64']
  else if (encoding === 'base58') rendered = [base58(data), 'base58']
  else rendered = base58(data)
  return {
    data: rendered,
    executable: account.executable,
    lamports: account.lamports,
    owner: account.owner,
    rentEpoch: RENT_EXEMPT_EPOCH,
    space: BigInt(account.data.length),
  }
}

function isWritable(index: number, keys: number, header: LandedTransaction['decoded']['message']['header']) {
  const signers = header.numSignerAccounts
  if (index < signers) return index < signers - header.numReadonlySignerAccounts
  return index < keys - header.numReadonlyNonSignerAccounts
}

/** jsonParsed instructions: SPL Token transfers and Memos parsed as a node parses them, others partially decoded. */
function parsedInstruction(
  programId: Address,
  accounts: Address[],
  data: Uint8Array,
  stackHeight: number | null,
) {
  const program = tokenProgramName(programId)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (program && data[0] === 12 && data.length >= 10 && accounts.length >= 4) {
    const [source, mint, destination, authority] = accounts
    const tokenAmount = uiTokenAmount(view.getBigUint64(1, true), data[9]!)
    const info = { source, mint, destination, authority, tokenAmount }
    return { program, programId, parsed: { type: 'transferChecked', info }, stackHeight }
  }
  if (program && data[0] === 3 && data.length >= 9 && accounts.length >= 3) {
    const [source, destination, authority] = accounts
    const info = { source, destination, authority, amount: view.getBigUint64(1, true).toString() }
    return { program, programId, parsed: { type: 'transfer', info }, stackHeight }
  }
  if (programId === MEMO_PROGRAM_ADDRESS) {
    return { program: 'spl-memo', programId, parsed: new TextDecoder().decode(data), stackHeight }
  }
  return { programId, accounts, data: base58(data), stackHeight }
}

interface CompiledInstructionLike {
  programIdIndex: number
  accounts: number[]
  data: Uint8Array
  stackHeight: number | null
}

function renderInstruction(instruction: CompiledInstructionLike, keys: readonly Address[], parsed: boolean) {
  if (!parsed) {
    const { programIdIndex, accounts, data, stackHeight } = instruction
    return { programIdIndex, accounts, data: base58(data), stackHeight }
  }
  const programId = keys[instruction.programIdIndex]!
  const accounts = instruction.accounts.map((index) => keys[index]!)
  return parsedInstruction(programId, accounts, instruction.data, instruction.stackHeight)
}

export function renderInnerInstructions(
  groups: InnerInstructionGroup[],
  keys: readonly Address[],
  parsed: boolean,
) {
  return groups.map((group) => ({
    index: group.index,
    instructions: group.instructions.map((instruction) => renderInstruction(instruction, keys, parsed)),
  }))
}

function renderTokenBalances(balances: TokenBalance[]) {
  return balances.map(({ accountIndex, mint, owner, programId, amount, decimals }) => ({
    accountIndex,
    mint,
    owner,
    programId,
    uiTokenAmount: uiTokenAmount(amount, decimals),
  }))
}

function renderMessage(landed: LandedTransaction, parsed: boolean) {
  const { message } = landed.decoded
  const keys = message.staticAccounts
  const instructions = message.instructions.map((instruction) =>
    renderInstruction(
      {
        programIdIndex: instruction.programAddressIndex,
        accounts: [...(instruction.accountIndices ?? [])],
        data: Uint8Array.from(instruction.data ?? []),
        stackHeight: null,
      },
      keys,
      parsed,
    ),
  )
  const lookups =
    message.version === 0
      ? {
          addressTableLookups: (message.addressTableLookups ?? []).map((lookup) => ({
            accountKey: lookup.lookupTableAddress,
            writableIndexes: lookup.writableIndexes,
            readonlyIndexes: lookup.readonlyIndexes,
          })),
        }
      : {}
  const accountKeys = parsed
    ? keys.map((pubkey, index) => ({
        pubkey,
        signer: index < message.header.numSignerAccounts,
        writable: isWritable(index, keys.length, message.header),
        source: 'transaction',
      }))
    : keys
  return {
    accountKeys,
    ...(parsed ? {} : { header: message.header }),
    recentBlockhash: message.lifetimeToken,
    instructions,
    ...lookups,
  }
}

export function renderReturnData(returnData: ExecutionDetails['returnData']) {
  return returnData && { programId: base58(returnData.programId), data: [base64(returnData.data), 'base64'] }
}

/** `getTransaction`'s result (without `version`, which the caller adds when the client declared support). */
export function renderLandedTransaction(landed: LandedTransaction, encoding: TransactionEncoding) {
  const parsed = encoding === 'jsonParsed'
  const { decoded } = landed
  let transaction: unknown
  if (encoding === 'base64') transaction = [base64(decoded.wire), 'base64']
  else if (encoding === 'base58') transaction = [base58(decoded.wire), 'base58']
  else {
    const signatures = Object.values(decoded.transaction.signatures).map((signature) =>
      base58(signature ?? new Uint8Array(64)),
    )
    transaction = { signatures, message: renderMessage(landed, parsed) }
  }
  const returnData = renderReturnData(landed.returnData)
  return {
    slot: landed.slot,
    blockTime: landed.blockTime,
    meta: {
      err: landed.err,
      status: landed.err === null ? { Ok: null } : { Err: landed.err },
      fee: landed.fee,
      preBalances: landed.preBalances,
      postBalances: landed.postBalances,
      innerInstructions: renderInnerInstructions(
        landed.innerInstructions,
        decoded.message.staticAccounts,
        parsed,
      ),
      logMessages: landed.logs,
      preTokenBalances: renderTokenBalances(landed.preTokenBalances),
      postTokenBalances: renderTokenBalances(landed.postTokenBalances),
      rewards: [],
      loadedAddresses: { writable: [], readonly: [] },
      computeUnitsConsumed: landed.unitsConsumed,
      ...(returnData ? { returnData } : {}),
    },
    transaction,
  }
}
