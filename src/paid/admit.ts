import { ChainUnavailableError } from '../chain/errors'
import { messageOf } from '../lib/errors'
import type { ExposureDecision } from '../payments/exposure'
import type { ReserveOutcome } from '../payments/ledger'
import type { SpendHold } from '../payments/spend-limits'
import type { PaymentAttempt } from '../x402/attempt'
import { FacilitatorUnavailableError, type VerifyOutcome } from '../x402/facilitator'
import { Reason } from '../x402/reasons'
import { Permit2Reason } from '../x402/schemes/exact-permit2/errors'
import { logDeferred, paymentLog, releasePayment } from './bookkeeping'
import type { CoreContext } from './context'
import {
  abandoned,
  conflict,
  exposureRefusal,
  permit2ApprovalHelp,
  refusal,
  spendLimitRefusal,
  unpaidSettlement,
  verificationUnavailable,
} from './refusals'
import type { BeginOutcome, Challenge, PaidRequestInput, Refusal, ServeHandle, ServeState } from './types'

/** A payment that matched our terms, for a request with valid parameters: what `begin` hands to `admit`. */
export interface Admission {
  input: PaidRequestInput
  attempt: PaymentAttempt
  /** Method, path and canonical query: what the payment buys. */
  requestKey: string
  challengeFor: (reason: string) => Challenge
  /** The idempotency key this request claimed, and the payment an earlier request with it still settles. */
  idempotent: { key?: string; heldFor?: string }
}

class VerificationTimeoutError extends Error {
  override name = 'VerificationTimeoutError'
}

/** Rejects after `ms`; the verification itself runs on (it only reads), but its answer no longer matters. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VerificationTimeoutError(`verification took longer than ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

/** Verification could not ask (chain or facilitator down, too slow): fail closed, the payer is not at fault. */
const isUnavailable = (error: unknown) =>
  error instanceof ChainUnavailableError ||
  error instanceof VerificationTimeoutError ||
  error instanceof FacilitatorUnavailableError

/** A refusal once the payment is bound to an offer (counted with its asset). */
function refused(ctx: CoreContext, { input, attempt }: Admission, outcome: Refusal): BeginOutcome {
  ctx.observe({
    type: 'refused',
    route: input.route.path,
    reason: outcome.reason,
    asset: attempt.offer.asset.symbol,
    challenged: !!outcome.challenge,
  })
  return refusal(outcome)
}

/** Permission to run the handler, with what `complete` needs to settle or redeem. */
export function serveHandle(
  { attempt, input, challengeFor }: Admission,
  state: Pick<ServeState, 'mode' | 'holds' | 'txHash' | 'verifyMs' | 'optimistic' | 'idempotencyKey'> & {
    id: string
  },
): BeginOutcome {
  const { id, ...rest } = state
  const handle: ServeHandle = {
    payment: {
      id,
      payer: attempt.payer,
      asset: attempt.offer.asset.symbol,
      amount: attempt.offer.amountAtomic.toString(),
    },
    state: { ...rest, attempt, route: input.route, challengeFor, servedAt: performance.now() },
  }
  return { kind: 'serve', handle }
}

/** Reserve → spend limits → verify. Everything that does not end in `serve` leaves the payment uncharged. */
export async function admit(ctx: CoreContext, admission: Admission): Promise<BeginOutcome> {
  const { input, attempt, requestKey } = admission
  const { ledger } = ctx.deps
  const optimistic = input.route.settle === 'optimistic'
  if (optimistic && (await ledger.hasUnpaid(attempt.payer))) {
    return refused(ctx, admission, unpaidSettlement(admission.challengeFor))
  }
  const reservation = await ledger.reserve(attempt, {
    method: input.request.method,
    route: input.route.path,
    requestKey,
    transport: input.transport,
    settleMode: optimistic ? 'optimistic' : 'before-response',
  })
  if (!reservation.ok) return alreadyReserved(ctx, admission, reservation)
  return admitReserved(ctx, admission, reservation.id)
}

/**
 * The payment is in the ledger already. Settled for this same request but never delivered (its request gave up
 * while settling): the retry gets what was paid for, once. Still settling for this request: pending. Otherwise it
 * was used, or another request holds it.
 */
async function alreadyReserved(
  ctx: CoreContext,
  admission: Admission,
  reservation: Extract<ReserveOutcome, { ok: false }>,
): Promise<BeginOutcome> {
  const existing = reservation.existing
  const sameRequest = existing?.requestKey === admission.requestKey
  if (existing && sameRequest && existing.state === 'settled' && existing.deliveredAt === null) {
    if (!(await ctx.deps.ledger.claimDelivery(existing.id))) {
      return refused(
        ctx,
        admission,
        conflict(Reason.paymentInProgress, 'this payment is already being delivered to another request'),
      )
    }
    return serveHandle(admission, {
      mode: 'redeem',
      id: existing.id,
      txHash: existing.txHash as `0x${string}`,
      holds: [],
      idempotencyKey: admission.idempotent.key,
      verifyMs: 0,
    })
  }
  if (existing && sameRequest && existing.state === 'pending') {
    return {
      kind: 'pending',
      pending: {
        paymentId: existing.id,
        transaction: existing.txHash,
        message: 'this payment is still settling; retry the same request shortly. Do not pay again for it.',
      },
    }
  }
  if (reservation.state === 'settled' || reservation.state === 'failed') {
    return refused(ctx, admission, {
      kind: 'payment',
      reason: Reason.nonceAlreadyUsed,
      message: 'this payment was already used',
      challenge: admission.challengeFor(Reason.nonceAlreadyUsed),
    })
  }
  return refused(
    ctx,
    admission,
    conflict(Reason.paymentInProgress, 'this payment is already being processed by another request', {
      state: reservation.state,
    }),
  )
}

/** Reserved: spend limits → verify → optimistic exposure → verified. Any refusal or fault gives the payment back. */
async function admitReserved(ctx: CoreContext, admission: Admission, id: string): Promise<BeginOutcome> {
  const { attempt, input, idempotent } = admission
  const { ledger, limiter, logger } = ctx.deps
  const route = input.route.path
  const log = paymentLog(id, { attempt, route: input.route })
  let holds: SpendHold[] = []
  const notCharged = (reason: string) => releasePayment(ctx, { id, reason, holds, route })
  try {
    if (idempotent.heldFor && idempotent.heldFor !== id) {
      await notCharged(Reason.requestInProgress)
      return refused(
        ctx,
        admission,
        conflict(
          Reason.requestInProgress,
          'the payment first made with this idempotency key is still settling; retry with that same payment, not a new one',
        ),
      )
    }
    const spend = await limiter.reserve({ payer: attempt.payer, route, usdMicros: attempt.offer.usdMicros })
    if (!spend.ok) {
      await notCharged(Reason.spendLimitExceeded)
      logger.info('spend limit exceeded', { ...log, limit: spend.limit })
      return refused(ctx, admission, spendLimitRefusal(spend, admission.challengeFor))
    }
    holds = spend.holds
    await ledger.markSpendHeld(id, spend.atSeconds)

    const verified = await verify(ctx, admission, log)
    if (!verified.ok) {
      await notCharged(verified.reason)
      return refused(ctx, admission, verified.refusal)
    }
    const optimistic = input.route.settle === 'optimistic'
    if (optimistic) {
      const exposure = await holdExposure(ctx, attempt, route)
      if (!exposure.ok) {
        await notCharged(Reason.exposureLimitReached)
        logger.info('optimistic exposure cap reached', { ...log, scope: exposure.scope })
        return refused(ctx, admission, exposureRefusal(exposure))
      }
    }
    if (!(await ledger.markVerified(id, verified.verifyMs, attempt))) {
      if (optimistic) await ctx.deps.exposure?.release(attempt.payer, attempt.offer.usdMicros)
      return refused(ctx, admission, abandoned())
    }
    return serveHandle(admission, {
      mode: 'settle',
      id,
      holds,
      idempotencyKey: idempotent.key,
      verifyMs: verified.verifyMs,
      optimistic,
    })
  } catch (error) {
    // An infrastructure fault before anything was verified or broadcast: give the payment back, then report it.
    await notCharged('internal_error').catch(logDeferred(ctx, 'release after error'))
    throw error
  }
}

/** Verifies the payment within the deadline; a refusal says why it does not pay (or that we could not ask). */
async function verify(
  ctx: CoreContext,
  { attempt, input, challengeFor }: Admission,
  log: ReturnType<typeof paymentLog>,
): Promise<{ ok: true; verifyMs: number } | { ok: false; reason: string; refusal: Refusal }> {
  const { facilitator, logger, verifyTimeoutMs } = ctx.deps
  const observed = {
    type: 'verification',
    route: input.route.path,
    asset: attempt.offer.asset.symbol,
  } as const
  const started = performance.now()
  let verified: VerifyOutcome
  try {
    verified = await withDeadline(facilitator.verify(attempt), verifyTimeoutMs)
  } catch (error) {
    if (!isUnavailable(error)) throw error
    ctx.observe({ ...observed, ms: Math.round(performance.now() - started), verdict: 'unavailable' })
    logger.error('payment verification unavailable', { ...log, error: messageOf(error) })
    return { ok: false, reason: Reason.verificationUnavailable, refusal: verificationUnavailable() }
  }
  const verifyMs = Math.round(performance.now() - started)
  ctx.observe({ ...observed, ms: verifyMs, verdict: verified.ok ? 'ok' : 'refused' })
  if (verified.ok) return { ok: true, verifyMs }
  logger.info('payment rejected', { ...log, reason: verified.reason })
  // Fixable once by the payer: 412 with instructions rather than a plain refusal.
  const approval = verified.reason === Permit2Reason.allowanceRequired
  return {
    ok: false,
    reason: verified.reason,
    refusal: {
      kind: approval ? 'approval_required' : 'payment',
      reason: verified.reason,
      message: approval ? permit2ApprovalHelp(attempt) : verified.message,
      challenge: challengeFor(verified.reason),
    },
  }
}

/** Takes this payment's optimistic exposure (a route that settles optimistically needs exposure caps). */
function holdExposure(ctx: CoreContext, attempt: PaymentAttempt, route: string): Promise<ExposureDecision> {
  if (!ctx.deps.exposure) throw new Error(`${route} settles optimistically but no exposure caps are set`)
  return ctx.deps.exposure.reserve(attempt.payer, attempt.offer.usdMicros)
}
