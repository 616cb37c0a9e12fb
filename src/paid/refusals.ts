import { CANONICAL } from '../config/networks'
import { formatUsdMicros } from '../lib/money'
import type { ExposureDecision } from '../payments/exposure'
import type { SpendDecision } from '../payments/spend-limits'
import type { PaymentAttempt } from '../x402/attempt'
import { Reason } from '../x402/reasons'
import type { BeginOutcome, Challenge, Refusal } from './types'

/** How long a client should wait before retrying after we failed closed. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5
export const RETRY_AFTER_PENDING_SECONDS = 10
/** Optimistic exposure frees up as settlements land (about a block): retry after this. */
export const RETRY_AFTER_EXPOSURE_SECONDS = 2

export const refusal = (outcome: Refusal): BeginOutcome => ({ kind: 'refusal', refusal: outcome })

export function conflict(reason: string, message: string, details?: Record<string, unknown>): Refusal {
  return { kind: 'conflict', reason, message, ...(details ? { details } : {}) }
}

/** The request outlived its bound and the reconciler released its payment meanwhile. */
export function abandoned(): Refusal {
  return {
    kind: 'unavailable',
    reason: Reason.paymentAbandoned,
    message:
      'this request took too long and its payment was released; nothing was charged. Retry the request.',
    retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
  }
}

export function verificationUnavailable(): Refusal {
  return {
    kind: 'unavailable',
    reason: Reason.verificationUnavailable,
    message: 'payment verification is unavailable right now; nothing was charged',
    retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
  }
}

export function unpaidSettlement(challengeFor: (reason: string) => Challenge): Refusal {
  return {
    kind: 'payment',
    reason: Reason.unpaidSettlement,
    message:
      'an answer served to this payer earlier was never paid (its settlement failed); payments are refused until it is collected. Nothing was charged.',
    challenge: challengeFor(Reason.unpaidSettlement),
  }
}

export function spendLimitRefusal(
  decision: Extract<SpendDecision, { ok: false }>,
  challengeFor: (reason: string) => Challenge,
): Refusal {
  const cap = formatUsdMicros(decision.capMicros)
  const left = formatUsdMicros(decision.remainingMicros)
  const names = {
    per_call: 'per-call',
    payer_hour: 'hourly',
    payer_day: 'daily',
    endpoint_day: 'endpoint daily',
  } as const
  const resetsAt = decision.resetsAt === null ? null : new Date(decision.resetsAt * 1000).toISOString()
  return {
    kind: 'payment',
    reason: Reason.spendLimitExceeded,
    message: `${names[decision.limit]} spend limit of $${cap} (${decision.setBy.replace('_', ' ')}) reached: $${left} left${resetsAt ? `; resets at ${resetsAt}` : ''}; nothing was charged`,
    details: { limit: decision.limit, setBy: decision.setBy, capUsd: cap, remainingUsd: left, resetsAt },
    ...(decision.retryAfterSeconds ? { retryAfterSeconds: decision.retryAfterSeconds } : {}),
    challenge: challengeFor(Reason.spendLimitExceeded),
  }
}

export function exposureRefusal(decision: Extract<ExposureDecision, { ok: false }>): Refusal {
  return {
    kind: 'unavailable',
    reason: Reason.exposureLimitReached,
    message: `unsettled optimistic payments ${decision.scope === 'payer' ? 'of this payer' : 'in total'} are at their cap of $${formatUsdMicros(decision.capMicros)}; retry shortly. Nothing was charged.`,
    details: { scope: decision.scope, capUsd: formatUsdMicros(decision.capMicros) },
    retryAfterSeconds: RETRY_AFTER_EXPOSURE_SECONDS,
  }
}

export function permit2ApprovalHelp(attempt: PaymentAttempt): string {
  const { symbol, address } = attempt.offer.asset
  return (
    `${attempt.payer} has not approved Permit2 (${CANONICAL.permit2}) to move its ${symbol}. ` +
    `Approve once — \`PAYER_PRIVATE_KEY=… x402-analytics permit2-approve --token ${symbol}\`, ` +
    `or call approve(${CANONICAL.permit2}, max) on ${address} — then retry; nothing was charged.`
  )
}
