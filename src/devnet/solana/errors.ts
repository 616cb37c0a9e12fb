/**
 * LiteSVM's transaction errors in the JSON form a Solana RPC node gives them (`"BlockhashNotFound"`,
 * `{"InstructionError":[2,{"Custom":1}]}`), which @solana/kit clients and the @x402/svm facilitator read.
 * LiteSVM hands fieldless errors over as bare numbers (const enums its typings declare but its runtime does not
 * export), so the names are listed here, in the order of Solana's `TransactionError` and `InstructionError` enums.
 */

const TRANSACTION_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
] as const

const INSTRUCTION_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
] as const

export type TransactionErrorName = (typeof TRANSACTION_ERRORS)[number]

/** A transaction error as Solana's RPC writes it. */
export type TransactionErrorJson = string | Record<string, unknown>

interface InstructionErrorLike {
  index: number
  err(): unknown
}

const nameOf = (table: readonly string[], code: number) => table[code] ?? `UnknownError${code}`

function instructionErrorJson(error: unknown): unknown {
  if (typeof error === 'number') return nameOf(INSTRUCTION_ERRORS, error)
  if (error && typeof error === 'object') {
    if ('code' in error) return { Custom: (error as { code: number }).code }
    if ('msg' in error) return { BorshIoError: (error as { msg: string }).msg }
  }
  return 'GenericError'
}

/** Converts what LiteSVM's `FailedTransactionMetadata.err()` returns. */
export function transactionErrorJson(error: unknown): TransactionErrorJson {
  if (typeof error === 'number') return nameOf(TRANSACTION_ERRORS, error)
  if (error && typeof error === 'object') {
    if (typeof (error as Partial<InstructionErrorLike>).err === 'function') {
      const { index } = error as InstructionErrorLike
      return { InstructionError: [index, instructionErrorJson((error as InstructionErrorLike).err())] }
    }
    const kind = error.constructor.name.replace(/^TransactionError/, '')
    if ('accountIndex' in error)
      return { [kind]: { account_index: (error as { accountIndex: number }).accountIndex } }
    if ('index' in error) return { [kind]: (error as { index: number }).index }
  }
  return 'SanitizeFailure'
}

/** The one-line text a Solana node prints for the errors a client of this chain is likely to meet. */
const MESSAGES: Partial<Record<TransactionErrorName, string>> = {
  AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
  AlreadyProcessed: 'This transaction has already been processed',
  BlockhashNotFound: 'Blockhash not found',
  InsufficientFundsForFee: 'Insufficient funds for fee',
  SignatureFailure: 'Transaction did not pass signature verification',
  SanitizeFailure: 'Transaction failed to sanitize accounts offsets correctly',
  UnsupportedVersion: 'Transaction version is unsupported',
}

export function transactionErrorMessage(error: TransactionErrorJson): string {
  if (typeof error === 'string') return MESSAGES[error as TransactionErrorName] ?? error
  const [kind, detail] = Object.entries(error)[0] ?? ['Error', undefined]
  if (kind === 'InstructionError' && Array.isArray(detail)) {
    return `Error processing Instruction ${detail[0]}: ${JSON.stringify(detail[1])}`
  }
  return `${kind}: ${JSON.stringify(detail)}`
}
