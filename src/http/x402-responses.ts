import { httpStatusOf } from '../paid/status'
import type { Challenge, Pending, Refusal } from '../paid/types'
import type { StoredResponse } from '../payments/idempotency'
import { encodeHeader } from '../x402/codec'
import { type SettlementDelivery, settlementHeaders } from '../x402/settlement'
import { paymentPageHtml } from './discovery/payment-page'
import { errorBody } from './errors'

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8', ...headers },
  })
}

const retryAfter = (seconds: number | undefined): Record<string, string> =>
  seconds ? { 'Retry-After': String(seconds) } : {}

const settlementOf = (delivery: SettlementDelivery | undefined) =>
  delivery ? settlementHeaders(delivery) : {}

/**
 * A 402 (or 412) speaking both protocol versions: the v1 JSON body and the v2 `PAYMENT-REQUIRED` header, with the
 * same offers; `extra` adds machine-readable detail (which spend limit was hit, …) to the body.
 */
export function challengeResponse(
  status: number,
  challenge: Challenge,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  const notices = challenge.notice ? { notices: { [challenge.notice.key]: challenge.notice.info } } : {}
  return jsonResponse(
    status,
    { ...challenge.v1, message, ...extra, ...notices },
    { ...headers, 'PAYMENT-REQUIRED': encodeHeader(challenge.v2), 'Cache-Control': 'no-store' },
  )
}

/** The same 402 for a browser: a small HTML page instead of the v1 JSON body, with the same PAYMENT-REQUIRED header. */
export function challengePageResponse(challenge: Challenge, message: string): Response {
  return new Response(paymentPageHtml(challenge, message), {
    status: 402,
    headers: {
      'Content-Type': 'text/html; charset=UTF-8',
      'PAYMENT-REQUIRED': encodeHeader(challenge.v2),
      'Cache-Control': 'no-store',
      Vary: 'Accept',
    },
  })
}

/** Any refusal: with a fresh challenge when it has one, else the common error body. */
export function refusalResponse(refusal: Refusal): Response {
  const status = httpStatusOf({ kind: 'refusal', refusal })
  const headers = { ...retryAfter(refusal.retryAfterSeconds), ...settlementOf(refusal.settlement) }
  if (refusal.challenge)
    return challengeResponse(status, refusal.challenge, refusal.message, refusal.details, headers)
  return jsonResponse(status, errorBody(refusal.reason, refusal.message, refusal.details), headers)
}

/** Broadcast, not confirmed: 503 with the transaction, and "do not pay again". */
export function pendingResponse(pending: Pending, retryAfterSeconds: number): Response {
  return jsonResponse(
    httpStatusOf({ kind: 'pending', pending }),
    errorBody('settlement_pending', pending.message, {
      transaction: pending.transaction,
      paymentId: pending.paymentId,
    }),
    { ...settlementOf(pending.settlement), ...retryAfter(retryAfterSeconds), 'Cache-Control': 'no-store' },
  )
}

/** The stored answer of an idempotent retry, marked as a replay. */
export function replayResponse(stored: StoredResponse): Response {
  return new Response(stored.body, {
    status: stored.status,
    headers: { ...stored.headers, 'Idempotent-Replayed': 'true' },
  })
}

/** The paid response: the handler's body and status with the settlement header, never cached by intermediaries. */
export function paidResponse(body: string, handler: Response, settlement: SettlementDelivery): Response {
  const headers = new Headers(handler.headers)
  for (const [name, value] of Object.entries(settlementHeaders(settlement))) headers.set(name, value)
  headers.set('Cache-Control', 'private, no-store')
  return new Response(body, { status: handler.status, headers })
}
