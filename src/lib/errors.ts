/**
 * Our own machine-readable error codes, with the HTTP status a door answers each with (x402 payment reasons live in
 * x402/reasons.ts).
 */
export const ErrorCode = {
  invalidParameter: { status: 400, code: 'invalid_parameter' },
  invalidPayload: { status: 400, code: 'invalid_payload' },
  paymentHeaderTooLarge: { status: 400, code: 'payment_header_too_large' },
  invalidSignature: { status: 401, code: 'invalid_signature' },
  unauthorized: { status: 401, code: 'unauthorized' },
  forbidden: { status: 403, code: 'forbidden' },
  notFound: { status: 404, code: 'not_found' },
  unknownSymbol: { status: 404, code: 'unknown_symbol' },
  noData: { status: 404, code: 'no_data' },
  paymentInProgress: { status: 409, code: 'payment_in_progress' },
  requestInProgress: { status: 409, code: 'request_in_progress' },
  idempotencyKeyReused: { status: 409, code: 'idempotency_key_reused' },
  policyNonceUsed: { status: 409, code: 'policy_nonce_used' },
  paymentNotUnpaid: { status: 409, code: 'payment_not_unpaid' },
  paymentStillCollectable: { status: 409, code: 'payment_still_collectable' },
  uriTooLong: { status: 414, code: 'uri_too_long' },
  rateLimited: { status: 429, code: 'rate_limited' },
  marketDataUnavailable: { status: 503, code: 'market_data_unavailable' },
  verificationUnavailable: { status: 503, code: 'verification_unavailable' },
  settlementPending: { status: 503, code: 'settlement_pending' },
  internal: { status: 500, code: 'internal_error' },
} as const satisfies Record<string, { status: number; code: string }>

export type ErrorCode = keyof typeof ErrorCode

/**
 * The one error type handlers and middleware throw for a request that cannot be answered. A plain Error, so the
 * catalog and every door can share it without a web framework; each door renders it (HTTP: status and
 * `{success:false, error, message}` in http/error-renderer.ts; MCP: a tool error).
 */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: (typeof ErrorCode)[ErrorCode]['status']
  readonly code: string
  readonly details: Record<string, unknown>

  constructor(kind: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.status = ErrorCode[kind].status
    this.code = ErrorCode[kind].code
    this.details = details
  }
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { success: false as const, error: code, message, ...details }
}

/** The message of anything thrown: an Error's own message, else its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
