import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { base64ToUtf8 } from '../lib/base64'
import { CHALLENGE_STATUS, httpStatusOf } from '../paid/status'
import type { Challenge, Pending, Refusal } from '../paid/types'
import type { StoredResponse } from '../payments/idempotency'
import type { SettlementDelivery } from '../x402/settlement'

/** `_meta` keys of the x402 MCP transport (x402 specs/transports-v2/mcp.md). */
export const MCP_META = {
  payment: 'x402/payment',
  paymentResponse: 'x402/payment-response',
} as const

/**
 * A tool error in the x402 MCP shape: `isError`, `structuredContent` = the v2 PaymentRequired when there is a
 * challenge (none otherwise: a free tool's output schema would not fit an error), and `content[0].text` =
 * `{"x402/error": {code, error, message, …}}` where
 * `code` is the HTTP status the same outcome has over HTTP (the one table in paid/status.ts) and a challenge's
 * `x402Version`, `resource` and `accepts` are repeated for clients that only read text.
 */
export function errorResult(options: {
  code: number
  error: string
  message: string
  details?: Record<string, unknown>
  challenge?: Challenge
  settlement?: SettlementDelivery
}): CallToolResult {
  const { code, error, message, details, challenge, settlement } = options
  const x402Error = {
    code,
    error,
    message,
    ...details,
    ...(challenge
      ? {
          x402Version: challenge.v2.x402Version,
          resource: challenge.v2.resource,
          accepts: challenge.v2.accepts,
        }
      : {}),
  }
  return {
    isError: true,
    ...(challenge ? { structuredContent: challenge.v2 as Record<string, unknown> } : {}),
    content: [{ type: 'text', text: JSON.stringify({ 'x402/error': x402Error }) }],
    ...(settlement ? { _meta: { [MCP_META.paymentResponse]: settlement.response } } : {}),
  }
}

export function challengeResult(challenge: Challenge, message: string): CallToolResult {
  return errorResult({
    code: CHALLENGE_STATUS,
    error: challenge.v2.error ?? 'payment_required',
    message,
    challenge,
  })
}

export function refusalResult(refusal: Refusal): CallToolResult {
  return errorResult({
    code: httpStatusOf({ kind: 'refusal', refusal }),
    error: refusal.reason,
    message: refusal.message,
    details: {
      ...refusal.details,
      ...(refusal.retryAfterSeconds ? { retryAfterSeconds: refusal.retryAfterSeconds } : {}),
    },
    challenge: refusal.challenge,
    settlement: refusal.settlement,
  })
}

export function pendingResult(pending: Pending, retryAfterSeconds: number): CallToolResult {
  return errorResult({
    code: httpStatusOf({ kind: 'pending', pending }),
    error: 'settlement_pending',
    message: pending.message,
    details: { transaction: pending.transaction, paymentId: pending.paymentId, retryAfterSeconds },
    settlement: pending.settlement,
  })
}

/** An endpoint's own answer (a JSON envelope or error body) as a tool result, with the receipt when it was paid. */
export function answerResult({
  status,
  body,
  settlement,
  extraMeta = {},
}: {
  status: number
  body: string
  settlement?: SettlementDelivery['response']
  extraMeta?: Record<string, unknown>
}): CallToolResult {
  const parsed = JSON.parse(body) as Record<string, unknown>
  if (status >= 400) {
    const { success: _failed, error, message, ...details } = parsed
    return errorResult({
      code: status,
      error: String(error ?? 'error'),
      message: String(message ?? 'the call failed'),
      details,
    })
  }
  const meta = { ...(settlement ? { [MCP_META.paymentResponse]: settlement } : {}), ...extraMeta }
  return {
    structuredContent: parsed,
    content: [{ type: 'text', text: body }],
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  }
}

/** An idempotent replay: the stored answer, with the settlement it was delivered with. */
export function replayResult(stored: StoredResponse): CallToolResult {
  const header = stored.headers['payment-response'] ?? stored.headers['x-payment-response']
  const settlement = header ? (JSON.parse(base64ToUtf8(header)) as SettlementDelivery['response']) : undefined
  return answerResult({
    status: stored.status,
    body: stored.body,
    settlement,
    extraMeta: { 'x402/idempotent-replayed': true },
  })
}
