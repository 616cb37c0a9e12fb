import { BaseError, ContractFunctionRevertedError, toFunctionSelector } from 'viem'
import { revertReason } from '../../../chain/errors'
import { x402ExactPermit2ProxyCallAbi } from '../../../chain/permit2-abis'

/**
 * Reason codes of the `exact` scheme's Permit2 transfer method. The x402 ones are @x402/evm 2.27's
 * `exact/facilitator/errors.ts` strings character for character (`errors.test.ts` checks them against the package);
 * the resolution outcomes at the end are ours and say so.
 */
export const Permit2Reason = {
  // x402 codes: verification
  invalidSpender: 'invalid_permit2_spender',
  recipientMismatch: 'invalid_permit2_recipient_mismatch',
  deadlineExpired: 'permit2_deadline_expired',
  notYetValid: 'permit2_not_yet_valid',
  amountMismatch: 'permit2_amount_mismatch',
  tokenMismatch: 'permit2_token_mismatch',
  invalidSignature: 'invalid_permit2_signature',
  allowanceRequired: 'permit2_allowance_required',
  simulationFailed: 'permit2_simulation_failed',
  insufficientBalance: 'permit2_insufficient_balance',
  proxyNotDeployed: 'permit2_proxy_not_deployed',
  invalidNonce: 'permit2_invalid_nonce',
  // x402 codes: proxy reverts at settlement
  invalidAmount: 'permit2_invalid_amount',
  invalidDestination: 'permit2_invalid_destination',
  invalidOwner: 'permit2_invalid_owner',
  paymentTooEarly: 'permit2_payment_too_early',
  // x402 codes shared with EIP-3009
  transactionFailed: 'invalid_exact_evm_transaction_failed',
  transferEventMismatch: 'invalid_exact_evm_transfer_event_mismatch',
  // ours: why the reconciler gave a payment up
  expiredUnsettled: 'permit2_deadline_passed_unsettled',
  nonceInvalidated: 'permit2_nonce_invalidated',
  nonceUsedElsewhere: 'permit2_nonce_used_elsewhere',
} as const

export type Permit2Reason = (typeof Permit2Reason)[keyof typeof Permit2Reason]

/** Custom errors of the proxy and Permit2, by name, as x402's facilitator maps them when a settlement reverts. */
const revertReasons: [RegExp, Permit2Reason][] = [
  [/\bInvalidNonce\b/, Permit2Reason.invalidNonce],
  [/\bSignatureExpired\b/, Permit2Reason.deadlineExpired],
  [/\bInvalid(Signature|SignatureLength|Signer|ContractSignature)\b/, Permit2Reason.invalidSignature],
  [/\bPaymentTooEarly\b/, Permit2Reason.paymentTooEarly],
  [/\bInvalidAmount\b/, Permit2Reason.invalidAmount],
  [/\bInvalidDestination\b/, Permit2Reason.invalidDestination],
  [/\bInvalidOwner\b/, Permit2Reason.invalidOwner],
]

/** Selector -> signature of the custom errors a settlement can revert with (all have elementary parameters). */
const customErrorNames = new Map<string, string>(
  x402ExactPermit2ProxyCallAbi.flatMap((item) => {
    if (item.type !== 'error') return []
    const signature = `${item.name}(${item.inputs.map((input) => input.type).join(',')})`
    return [[toFunctionSelector(signature), signature] as const]
  }),
)

/** Names the custom errors a node reports by selector only ("custom error 0x756688fe" -> "InvalidNonce()"). */
export function nameCustomErrors(revert: string): string {
  return revert.replace(
    /custom error (0x[0-9a-fA-F]{8})/g,
    (text, selector: string) => customErrorNames.get(selector.toLowerCase()) ?? text,
  )
}

/** The reason for a reverted settlement: the specific x402 code when the revert names one, else transaction failed. */
export function settlementRevertReason(revert: string): Permit2Reason {
  const named = nameCustomErrors(revert)
  return revertReasons.find(([pattern]) => pattern.test(named))?.[1] ?? Permit2Reason.transactionFailed
}

/**
 * A revert in words, naming custom errors (`InvalidNonce()`, `SignatureExpired(1700000000)`) where viem's own message
 * only says "reverted"; undefined when `error` is not a revert (RPC, transport).
 */
export function describeRevert(error: unknown): string | undefined {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError)
    const decoded = reverted instanceof ContractFunctionRevertedError ? reverted.data : undefined
    if (decoded && decoded.errorName !== 'Error' && decoded.errorName !== 'Panic') {
      return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`
    }
  }
  return revertReason(error)
}
