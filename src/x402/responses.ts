import { encodeHeader } from './codec'
import type { PaymentAttempt } from './match'
import { type Offer, paymentRequiredV1, paymentRequiredV2, type ResourceDescription } from './offers'
import { Reason } from './reasons'
import type { SettlementResponse } from './schemas'

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8', ...headers },
  })
}

/**
 * The 402: v1 body and v2 `PAYMENT-REQUIRED` header with the same offers. `extra` adds machine-readable detail
 * (e.g. which spend limit was hit) to the body.
 */
export function challenge(
  offers: Offer[],
  resource: ResourceDescription,
  reason: string,
  message: string,
  options: {
    headers?: Record<string, string>
    extra?: Record<string, unknown>
    status?: 402 | 412
    /** Why an offer is missing (e.g. no fresh TMAI price): v2 `extensions` and a v1 body field. */
    notice?: { key: string; info: Record<string, unknown> }
  } = {},
): Response {
  const extensions = options.notice ? { [options.notice.key]: { info: options.notice.info } } : undefined
  const v2 = paymentRequiredV2(
    offers,
    resource,
    reason === Reason.paymentRequired ? 'Payment required' : reason,
    extensions,
  )
  const body = {
    ...paymentRequiredV1(offers, resource, reason),
    message,
    ...options.extra,
    ...(options.notice ? { notices: { [options.notice.key]: options.notice.info } } : {}),
  }
  return jsonResponse(options.status ?? 402, body, {
    ...options.headers,
    'PAYMENT-REQUIRED': encodeHeader(v2),
    'Cache-Control': 'no-store',
  })
}

/** The settlement header in the payer's protocol version: v1 network names in X-PAYMENT-RESPONSE, CAIP-2 in PAYMENT-RESPONSE. */
export function settlementHeader(
  attempt: PaymentAttempt,
  outcome: Pick<SettlementResponse, 'success' | 'transaction' | 'errorReason'>,
): Record<string, string> {
  const v1 = attempt.x402Version === 1
  const response: SettlementResponse = {
    ...outcome,
    network: v1 ? attempt.offer.network.v1Name : attempt.offer.network.caip2,
    payer: attempt.payer,
  }
  return { [v1 ? 'X-PAYMENT-RESPONSE' : 'PAYMENT-RESPONSE']: encodeHeader(response) }
}

/** The paid response: the handler's body and status with the settlement header, never cached by intermediaries. */
export function paidResponse(
  body: ArrayBuffer,
  handlerResponse: Response,
  attempt: PaymentAttempt,
  txHash: string,
): Response {
  const headers = new Headers(handlerResponse.headers)
  for (const [name, value] of Object.entries(
    settlementHeader(attempt, { success: true, transaction: txHash }),
  )) {
    headers.set(name, value)
  }
  headers.set('Cache-Control', 'private, no-store')
  return new Response(body, { status: handlerResponse.status, headers })
}

/** Response headers worth replaying for an idempotent retry. */
export const REPLAYED_HEADERS = [
  'content-type',
  'payment-response',
  'x-payment-response',
  'cache-control',
] as const
