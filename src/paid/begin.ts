import { IDEMPOTENCY_KEY, requestFingerprint } from '../payments/idempotency'
import type { PaymentAttempt } from '../x402/attempt'
import { decodePayment, matchPayment } from '../x402/match'
import { Reason } from '../x402/reasons'
import { type Admission, admit } from './admit'
import { logDeferred } from './bookkeeping'
import { resourceOf } from './challenges'
import type { CoreContext } from './context'
import { refusal } from './refusals'
import { canonicalQuery } from './request-key'
import type { CurrentOffers } from './route-offers'
import type { BeginOutcome, PaidRequestInput } from './types'

/**
 * The first stage of a paid request: no payment → the 402; else decode → match our own terms → the request's
 * parameters → idempotency, then `admit`. Nothing is reserved before the payment matches and the request is valid.
 */
export async function begin(ctx: CoreContext, input: PaidRequestInput): Promise<BeginOutcome> {
  const { route } = input
  const current = await ctx.offers.current(route, input.tokenPreference)
  const challengeFor = (reason: string) =>
    ctx.challenges.challenge(route, { url: input.resourceUrl, current, reason })
  if (!input.payment) {
    ctx.observe({ type: 'challenge', route: route.path })
    return {
      kind: 'challenge',
      challenge: challengeFor(Reason.paymentRequired),
      message: `this endpoint costs $${route.usdPrice}; pay with x402`,
    }
  }
  const matched = await matchIncoming(ctx, input, current)
  if (!matched.ok) {
    ctx.observe({
      type: 'refused',
      route: route.path,
      reason: matched.reason,
      challenged: matched.kind === 'refused',
    })
    return matched.kind === 'malformed'
      ? refusal({ kind: 'invalid_request', reason: matched.reason, message: matched.message })
      : refusal({
          kind: 'payment',
          reason: matched.reason,
          message: matched.message,
          challenge: challengeFor(matched.reason),
        })
  }
  const attempt = matched.value

  // Bad parameters cost nothing: refused before the payment is touched.
  if (!input.input.ok) {
    return refusal({
      kind: 'invalid_request',
      reason: Reason.invalidParameter,
      message: input.input.message,
      details: { parameter: input.input.parameter },
    })
  }
  const key = idempotencyKeyOf(input, attempt)
  if (key === null) {
    return refusal({
      kind: 'invalid_request',
      reason: Reason.invalidParameter,
      message: 'Idempotency-Key must be 16–128 characters of A-Z a-z 0-9 _ -',
      details: { parameter: 'Idempotency-Key' },
    })
  }
  const requestKey = `${input.request.method} ${input.request.path}?${canonicalQuery(input.request.query)}`
  const admission: Admission = { input, attempt, requestKey, challengeFor, idempotent: {} }
  if (key === undefined) return admit(ctx, admission)
  return beginIdempotent(ctx, admission, key)
}

/** Decodes the payment and binds it to one of our current offers (or a TMAI amount we quoted and still honour). */
async function matchIncoming(ctx: CoreContext, input: PaidRequestInput, current: CurrentOffers) {
  const { route } = input
  const decoded = decodePayment(input.payment!, ctx.deps.maxPaymentHeaderBytes)
  if (!decoded.ok) return decoded
  const honoured =
    decoded.value.version === 2
      ? await ctx.offers.honoured(route, decoded.value.payload.accepted, current.offers)
      : []
  return matchPayment(decoded.value, {
    offers: current.offers,
    resource: resourceOf(route, input.resourceUrl),
    honoured: () => honoured,
  })
}

/**
 * With an idempotency key: a replay of the stored answer, a conflict, or `admit` with the key claimed. A key this
 * request claimed is let go again unless the request goes on (serve) or its payment is still settling (held).
 */
async function beginIdempotent(ctx: CoreContext, admission: Admission, key: string): Promise<BeginOutcome> {
  const { input, attempt, requestKey } = admission
  const { idempotency, logger } = ctx.deps
  const begun = await idempotency.begin(
    attempt.payer,
    key,
    await requestFingerprint({
      method: input.request.method,
      path: input.request.path,
      query: requestKey,
      body: input.request.body,
      payer: attempt.payer,
    }),
  )
  if (begun.kind === 'conflict') {
    return refusal({
      kind: 'conflict',
      reason: begun.reason,
      message:
        begun.reason === Reason.requestInProgress
          ? 'a request with this idempotency key is still running; retry shortly'
          : 'this idempotency key was used for a different request',
    })
  }
  if (begun.kind === 'replay') {
    logger.info('idempotent replay; no new charge', { route: input.route.path, payer: attempt.payer })
    return { kind: 'replay', response: begun.response }
  }
  const heldFor = begun.kind === 'held' ? begun.paymentId : undefined
  let outcome: BeginOutcome | undefined
  try {
    outcome = await admit(ctx, { ...admission, idempotent: { key: begun.key, heldFor } })
    return outcome
  } finally {
    const keep = outcome?.kind === 'serve' || outcome?.kind === 'pending'
    if (!heldFor && !keep)
      await idempotency.forget(begun.key).catch(logDeferred(ctx, 'forget idempotency key'))
    if (!heldFor && outcome?.kind === 'pending') {
      await idempotency
        .hold(begun.key, outcome.pending.paymentId)
        .catch(logDeferred(ctx, 'hold idempotency key'))
    }
  }
}

/** `Idempotency-Key`, or the x402 v2 `payment-identifier` extension id; null when malformed. */
function idempotencyKeyOf(input: PaidRequestInput, attempt: PaymentAttempt): string | undefined | null {
  const extensions = (
    attempt.wire.paymentPayload as { extensions?: Record<string, { info?: { id?: unknown } }> }
  ).extensions
  const fromExtension = extensions?.['payment-identifier']?.info?.id
  const key = input.idempotencyKey ?? (typeof fromExtension === 'string' ? fromExtension : undefined)
  if (key === undefined) return undefined
  return IDEMPOTENCY_KEY.test(key) ? key : null
}
