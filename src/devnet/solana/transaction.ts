import {
  type Address,
  type CompiledTransactionMessage,
  type CompiledTransactionMessageWithLifetime,
  getBase58Decoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  type Transaction,
} from '@solana/kit'
import { COMPUTE_BUDGET_PROGRAM_ADDRESS } from '@x402/svm'

/** A wire transaction taken apart once, for the chain and the RPC layer. */

/** Solana's packet size: a node refuses a larger transaction. */
export const MAX_TRANSACTION_BYTES = 1232

export class InvalidTransactionError extends Error {
  override name = 'InvalidTransactionError'
}

export interface DecodedTransaction {
  wire: Uint8Array
  transaction: Transaction
  message: CompiledTransactionMessage & CompiledTransactionMessageWithLifetime
  /** The transaction id: the fee payer's signature, base58 (all '1's while the fee payer has not signed). */
  signature: string
  /** Required signers whose signature slot is empty. */
  missingSigners: Address[]
  blockhash: string
}

const ZERO_SIGNATURE = new Uint8Array(64)

export function decodeTransaction(wire: Uint8Array): DecodedTransaction {
  if (wire.length > MAX_TRANSACTION_BYTES) {
    throw new InvalidTransactionError(
      `transaction too large: ${wire.length} bytes (max ${MAX_TRANSACTION_BYTES})`,
    )
  }
  let transaction: Transaction
  let message: DecodedTransaction['message']
  try {
    transaction = getTransactionDecoder().decode(wire)
    message = getCompiledTransactionMessageDecoder().decode(transaction.messageBytes)
  } catch (error) {
    throw new InvalidTransactionError(`failed to deserialize the transaction: ${(error as Error).message}`)
  }
  const signers = Object.keys(transaction.signatures) as Address[]
  if (signers.length === 0 || signers.length !== message.header.numSignerAccounts) {
    throw new InvalidTransactionError('the signature count does not match the message header')
  }
  const feePayerSignature = transaction.signatures[signers[0]!] ?? ZERO_SIGNATURE
  return {
    wire,
    transaction,
    message,
    signature: getBase58Decoder().decode(feePayerSignature),
    missingSigners: signers.filter((signer) => !transaction.signatures[signer]),
    blockhash: message.lifetimeToken,
  }
}

const LAMPORTS_PER_SIGNATURE = 5000n
const DEFAULT_UNITS_PER_INSTRUCTION = 200_000n
const MAX_COMPUTE_UNITS = 1_400_000n

/**
 * The fee Solana charges: 5,000 lamports a signature plus the priority fee, ceil(unit price × unit limit / 10⁶),
 * from the ComputeBudget instructions (the limit defaults to 200,000 units per other instruction).
 */
export function transactionFee(message: CompiledTransactionMessage): bigint {
  let unitLimit: bigint | undefined
  let microLamportsPerUnit = 0n
  let otherInstructions = 0n
  for (const instruction of message.instructions) {
    const program = message.staticAccounts[instruction.programAddressIndex]
    const data = instruction.data
    if (program !== COMPUTE_BUDGET_PROGRAM_ADDRESS || !data) {
      otherInstructions++
      continue
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    if (data[0] === 2 && data.length >= 5) unitLimit = BigInt(view.getUint32(1, true))
    if (data[0] === 3 && data.length >= 9) microLamportsPerUnit = view.getBigUint64(1, true)
  }
  const signatureFee = LAMPORTS_PER_SIGNATURE * BigInt(message.header.numSignerAccounts)
  if (microLamportsPerUnit === 0n) return signatureFee
  const limit = unitLimit ?? bigMin(DEFAULT_UNITS_PER_INSTRUCTION * otherInstructions, MAX_COMPUTE_UNITS)
  return signatureFee + (microLamportsPerUnit * bigMin(limit, MAX_COMPUTE_UNITS) + 999_999n) / 1_000_000n
}

const bigMin = (a: bigint, b: bigint) => (a < b ? a : b)
