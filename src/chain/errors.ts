import { BaseError, ContractFunctionRevertedError, NonceTooLowError } from 'viem'

/** The chain could not be asked (RPC down, timeout): an infrastructure failure, never the payer's fault. */
export class ChainUnavailableError extends Error {
  override name = 'ChainUnavailableError'
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`chain unavailable during ${operation}: ${shortMessage(options?.cause)}`, options)
  }
}

export function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage
  if (error instanceof Error) return error.message
  return String(error)
}

/** The revert reason when `error` is a contract revert; undefined when it is anything else (RPC, transport). */
export function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
  if (reverted instanceof ContractFunctionRevertedError) return reverted.reason ?? reverted.shortMessage
  const text = error.walk((e) => e instanceof BaseError && /revert/i.test(e.shortMessage))
  return text instanceof BaseError ? text.shortMessage : undefined
}

/** The node refused a transaction because its nonce is already used (so it can never be mined). */
export function isNonceTooLow(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof NonceTooLowError)) return true
  const text = error instanceof BaseError ? `${error.shortMessage} ${error.details}` : String(error)
  return /nonce too low|nonce has already been used|already known nonce/i.test(text)
}
