/**
 * Machine-readable reasons we answer with. Where x402 (v1 `ErrorReasons`, @x402/evm 2.27 `errors.ts`) has a code for
 * the case we use it character for character; the rest are ours and say so.
 */
export const Reason = {
  // x402 codes
  invalidPayload: 'invalid_payload',
  invalidX402Version: 'invalid_x402_version',
  invalidScheme: 'invalid_exact_evm_scheme',
  networkMismatch: 'invalid_exact_evm_network_mismatch',
  requirementsMismatch: 'invalid_payment_requirements',
  recipientMismatch: 'invalid_exact_evm_recipient_mismatch',
  valueMismatch: 'invalid_exact_evm_payload_authorization_value_mismatch',
  validAfter: 'invalid_exact_evm_payload_authorization_valid_after',
  validBefore: 'invalid_exact_evm_payload_authorization_valid_before',
  invalidSignature: 'invalid_exact_evm_signature',
  undeployedSmartWallet: 'invalid_exact_evm_payload_undeployed_smart_wallet',
  nonceAlreadyUsed: 'invalid_exact_evm_nonce_already_used',
  insufficientBalance: 'invalid_exact_evm_insufficient_balance',
  simulationFailed: 'invalid_exact_evm_transaction_simulation_failed',
  transactionFailed: 'invalid_exact_evm_transaction_failed',
  transferEventMismatch: 'invalid_exact_evm_transfer_event_mismatch',
  settlementPending: 'settlement_pending',
  unexpectedVerifyError: 'unexpected_verify_error',
  unexpectedSettleError: 'unexpected_settle_error',
  // ours
  paymentRequired: 'payment_required',
  paymentHeaderTooLarge: 'payment_header_too_large',
  paymentInProgress: 'payment_in_progress',
  verificationUnavailable: 'verification_unavailable',
  /**
   * Nothing was broadcast: the settlement could not be recorded (the ledger is unavailable), or the RPC is not on our
   * chain (its chain id changed).
   */
  settlementUnavailable: 'settlement_unavailable',
  spendLimitExceeded: 'spend_limit_exceeded',
  invalidParameter: 'invalid_parameter',
  requestInProgress: 'request_in_progress',
  idempotencyKeyReused: 'idempotency_key_reused',
  /** The payment's request outlived the bounds the reconciler allows and was released (nothing charged). */
  paymentAbandoned: 'payment_abandoned',
  /** Optimistic settlement: an answer served to this payer earlier was never paid; refused until it is collected. */
  unpaidSettlement: 'unpaid_optimistic_settlement',
  /** Optimistic settlement: the unsettled USD served (to this payer or in total) is at its cap; retry shortly. */
  exposureLimitReached: 'optimistic_exposure_limit_reached',
} as const

export type Reason = (typeof Reason)[keyof typeof Reason]
