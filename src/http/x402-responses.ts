import { ByteLru } from '../lib/byte-lru'
import { errorBody } from '../lib/errors'
import { base64JsonTemplate, jsonTemplate } from '../lib/json-template'
import { httpStatusOf } from '../paid/status'
import type { Challenge, ChallengeTemplate, Pending, Refusal } from '../paid/types'
import type { StoredResponse } from '../payments/idempotency'
import { encodeHeader } from '../x402/codec'
import { type SettlementDelivery, settlementHeaders } from '../x402/settlement'
import { PAYMENT_PAGE_SECURITY_HEADERS, paymentPageHtml } from './discovery/payment-page'

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

/** The v1 body of a 402: the v1 challenge with our message and any extra detail. */
function challengeBody(
  { v1, notice }: Pick<Challenge, 'v1' | 'notice'>,
  message: string,
  extra: Record<string, unknown> = {},
) {
  const notices = notice ? { notices: { [notice.key]: notice.info } } : {}
  return { ...v1, message, ...extra, ...notices }
}

interface RenderedChallenge {
  /** Names this rendering in the filled-answer cache. */
  id: number
  body(url: string): string
  header(url: string): string
}

/**
 * Filled-in answers (body and header per rendered challenge and URL): agents repeat their queries, and a repeat costs a
 * lookup. Bounded by bytes across every route, so unique query strings (each a new resource URL) cannot grow memory
 * past it; a bound on memory, not on correctness.
 */
export const FILLED_CHALLENGES_MAX_BYTES = 4 * 1024 * 1024
/** What an entry costs beyond its strings (Map slot, entry object). */
const FILLED_ENTRY_OVERHEAD = 96
const filled = new ByteLru<string, { body: string; header: string }>(
  FILLED_CHALLENGES_MAX_BYTES,
  (key, value) => key.length + value.body.length + value.header.length + FILLED_ENTRY_OVERHEAD,
)
let renderings = 0

/** The filled-in answers' cache, as the memory tests read it. */
export const filledChallenges = {
  get bytes() {
    return filled.bytes
  },
}

/** Messages kept per template (a refusal's message can carry figures; a plain challenge's is fixed per route). */
const MAX_MESSAGES_PER_TEMPLATE = 32
const rendered = new WeakMap<ChallengeTemplate, Map<string, RenderedChallenge>>()

/** Body and header of a cached challenge template, serialised once; each request only splices in its URL. */
function renderedFor(template: ChallengeTemplate, message: string): RenderedChallenge {
  let byMessage = rendered.get(template)
  if (!byMessage) {
    byMessage = new Map()
    rendered.set(template, byMessage)
  }
  let found = byMessage.get(message)
  if (!found) {
    if (byMessage.size >= MAX_MESSAGES_PER_TEMPLATE) byMessage.clear()
    const body = JSON.stringify(challengeBody(template, message))
    const header = JSON.stringify(template.v2)
    found = {
      id: ++renderings,
      body: body.includes(template.urlSlot) ? jsonTemplate(body, template.urlSlot) : () => body,
      header: base64JsonTemplate(header, template.urlSlot),
    }
    byMessage.set(message, found)
  }
  return found
}

/**
 * A 402 (or 412) speaking both protocol versions: the v1 JSON body and the v2 `PAYMENT-REQUIRED` header, with the
 * same offers; `extra` adds machine-readable detail (which spend limit was hit, …) to the body. A challenge from
 * the core's cache is serialised once per template and filled in with its URL: the same bytes, a fraction of the work.
 */
export function challengeResponse(
  challenge: Challenge,
  {
    status,
    message,
    extra = {},
    headers = {},
  }: { status: number; message: string; extra?: Record<string, unknown>; headers?: Record<string, string> },
): Response {
  let body: string
  let paymentRequired: string
  if (challenge.template && Object.keys(extra).length === 0) {
    const url = challenge.v2.resource.url
    const cached = renderedFor(challenge.template, message)
    const key = `${cached.id} ${url}`
    let answer = filled.get(key)
    if (!answer) {
      answer = { body: cached.body(url), header: cached.header(url) }
      filled.set(key, answer)
    }
    body = answer.body
    paymentRequired = answer.header
  } else {
    body = JSON.stringify(challengeBody(challenge, message, extra))
    paymentRequired = encodeHeader(challenge.v2)
  }
  return new Response(body, {
    status,
    headers: {
      'Content-Type': 'application/json; charset=UTF-8',
      ...headers,
      'PAYMENT-REQUIRED': paymentRequired,
      'Cache-Control': 'no-store',
    },
  })
}

/**
 * The same 402 for a browser: a small HTML page instead of the v1 JSON body, with the same PAYMENT-REQUIRED header,
 * a CSP that allows nothing but its own inline style, and `nosniff`. `varyHost`: its URLs came from the Host.
 */
export function challengePageResponse(
  challenge: Challenge,
  message: string,
  options: { varyHost?: boolean } = {},
): Response {
  return new Response(paymentPageHtml(challenge, message), {
    status: 402,
    headers: {
      'Content-Type': 'text/html; charset=UTF-8',
      'PAYMENT-REQUIRED': encodeHeader(challenge.v2),
      'Cache-Control': 'no-store',
      Vary: options.varyHost ? 'Accept, Host' : 'Accept',
      ...PAYMENT_PAGE_SECURITY_HEADERS,
    },
  })
}

/** Any refusal: with a fresh challenge when it has one, else the common error body. `extra`: headers to add. */
export function refusalResponse(refusal: Refusal, extra: Record<string, string> = {}): Response {
  const status = httpStatusOf({ kind: 'refusal', refusal })
  const headers = { ...retryAfter(refusal.retryAfterSeconds), ...settlementOf(refusal.settlement), ...extra }
  if (refusal.challenge)
    return challengeResponse(refusal.challenge, {
      status,
      message: refusal.message,
      extra: refusal.details,
      headers,
    })
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
