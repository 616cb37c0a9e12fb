import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from '../lib/logger'

/** Our own machine-readable error codes (x402 payment reasons live in x402/reasons.ts). */
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
} as const satisfies Record<string, { status: ContentfulStatusCode; code: string }>

export type ErrorCode = keyof typeof ErrorCode

/** The one error type handlers and middleware throw; rendered by `renderError` into `{success:false, error, message}`. */
export class ApiError extends HTTPException {
  readonly code: string
  readonly details: Record<string, unknown>

  constructor(kind: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(ErrorCode[kind].status, { message })
    this.code = ErrorCode[kind].code
    this.details = details
  }
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { success: false as const, error: code, message, ...details }
}

/** app.onError: known errors keep their status; anything else is our fault, logged and answered as a bare 500. */
export function createErrorRenderer(logger: Logger) {
  return function renderError(err: Error, c: Context): Response {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode)
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode
      return c.json(
        errorBody(status >= 500 ? 'internal_error' : 'bad_request', err.message || 'request failed'),
        status,
      )
    }
    logger.error('unhandled error', { path: c.req.path, error: err.message, stack: err.stack })
    return c.json(errorBody('internal_error', 'internal error; nothing was charged'), 500)
  }
}
