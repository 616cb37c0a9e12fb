import type { SettleOutcome } from '../x402/facilitator'
import { Reason } from '../x402/reasons'
import { settlementFor } from '../x402/settlement'
import {
  logDeferred,
  observeSettled,
  paymentLog,
  releaseExposure,
  releasePayment,
  remember,
  settlePayment,
  writeOrDefer,
} from './bookkeeping'
import type { CoreContext } from './context'
import { serveOptimistically } from './optimistic'
import { abandoned, RETRY_AFTER_UNAVAILABLE_SECONDS } from './refusals'
import type { CompleteOutcome, HandlerResult, ServeHandle } from './types'

/** One settlement's outcome with what it settled: the handle, the handler's answer and the timings. */
interface Settled<S extends SettleOutcome['status']> {
  handle: ServeHandle
  result: HandlerResult
  handlerMs: number
  settleMs: number
  outcome: Extract<SettleOutcome, { status: S }>
}

/**
 * Settles (or releases) what `begin` admitted, given the handler's buffered answer: a failed handler gives the
 * payment back; otherwise settle (or, optimistically, serve and settle in the background) → ledger → settlement.
 * Never throws once a transfer may have happened.
 */
export async function complete(
  ctx: CoreContext,
  handle: ServeHandle,
  result: HandlerResult,
): Promise<CompleteOutcome> {
  const { state } = handle
  const id = handle.payment.id
  const handlerMs = Math.round(performance.now() - state.servedAt)
  if (state.mode === 'redeem') return redeem(ctx, handle, result)
  if (result.status >= 400) return releaseAfterHandler(ctx, handle, { result, handlerMs })

  if (!(await ctx.deps.ledger.markSettling(id, handlerMs, state.optimistic ? Date.now() : undefined))) {
    // The reconciler released it meanwhile (the request outlived its bound): nothing was or will be charged.
    if (state.optimistic) await releaseExposure(ctx, state.attempt)
    if (state.idempotencyKey)
      await ctx.deps.idempotency.forget(state.idempotencyKey).catch(logDeferred(ctx, 'forget key'))
    return { kind: 'failed', refusal: abandoned() }
  }
  if (state.optimistic) return serveOptimistically(ctx, handle, { result, handlerMs })
  const settleStarted = performance.now()
  const outcome = await settlePayment(ctx, { id, attempt: state.attempt })
  const settleMs = Math.round(performance.now() - settleStarted)
  const common = { handle, result, handlerMs, settleMs }
  if (outcome.status === 'settled') return settled(ctx, { ...common, outcome })
  if (outcome.status === 'pending') return pending(ctx, { ...common, outcome })
  return failed(ctx, { ...common, outcome })
}

/** A payment settled earlier, redeemed by its retry: delivered once, or left redeemable if this handler failed. */
async function redeem(
  ctx: CoreContext,
  handle: ServeHandle,
  result: HandlerResult,
): Promise<CompleteOutcome> {
  const { state } = handle
  const id = handle.payment.id
  const { idempotency, ledger, logger } = ctx.deps
  if (result.status >= 400) {
    await ledger.unclaimDelivery(id).catch(logDeferred(ctx, 'unclaim delivery'))
    if (state.idempotencyKey)
      await idempotency.hold(state.idempotencyKey, id).catch(logDeferred(ctx, 'hold key'))
    return { kind: 'undelivered' }
  }
  const settlement = settlementFor(state.attempt, { success: true, transaction: state.txHash ?? '' })
  await remember(ctx, state, { result, settlement })
  logger.info('settled payment redeemed by its retry', { ...paymentLog(id, state), tx: state.txHash })
  return { kind: 'settled', settlement, paymentId: id }
}

/** The handler answered >= 400: nothing is charged, the payment and its holds are given back. */
async function releaseAfterHandler(
  ctx: CoreContext,
  handle: ServeHandle,
  { result, handlerMs }: { result: HandlerResult; handlerMs: number },
): Promise<CompleteOutcome> {
  const { state } = handle
  const id = handle.payment.id
  const reason = `handler_status_${result.status}`
  await releasePayment(ctx, { id, reason, holds: state.holds, route: state.route.path })
  if (state.optimistic) await releaseExposure(ctx, state.attempt)
  ctx.deps.logger.info('handler failed; payment released', {
    ...paymentLog(id, state),
    status: result.status,
  })
  ctx.observe({ type: 'released', route: state.route.path, asset: handle.payment.asset, reason, handlerMs })
  if (state.idempotencyKey)
    await ctx.deps.idempotency.forget(state.idempotencyKey).catch(logDeferred(ctx, 'forget key'))
  return { kind: 'released', reason }
}

async function settled(ctx: CoreContext, s: Settled<'settled'>): Promise<CompleteOutcome> {
  const { state } = s.handle
  const id = s.handle.payment.id
  const { txHash } = s.outcome
  const txCallIndex = s.outcome.callIndex ?? null
  await writeOrDefer(ctx, {
    paymentId: id,
    route: state.route.path,
    description: `settled ${txHash}`,
    write: () =>
      ctx.deps.ledger.markSettled(id, txHash, { settleMs: s.settleMs, deliveredAt: Date.now(), txCallIndex }),
  })
  ctx.deps.logger.info('payment settled', {
    ...paymentLog(id, state),
    tx: txHash,
    verifyMs: state.verifyMs,
    handlerMs: s.handlerMs,
    settleMs: s.settleMs,
  })
  observeSettled(ctx, state, { handlerMs: s.handlerMs, settleMs: s.settleMs })
  const settlement = settlementFor(state.attempt, { success: true, transaction: txHash })
  await remember(ctx, state, { result: s.result, settlement })
  return { kind: 'settled', settlement, paymentId: id }
}

/** Broadcast, outcome unknown: the spend stays counted until the reconciler decides. */
async function pending(ctx: CoreContext, s: Settled<'pending'>): Promise<CompleteOutcome> {
  const { state } = s.handle
  const id = s.handle.payment.id
  const { txHash, message } = s.outcome
  await writeOrDefer(ctx, {
    paymentId: id,
    route: state.route.path,
    description: 'pending',
    write: () => ctx.deps.ledger.markPending(id, { reason: message, txHash, settleMs: s.settleMs }),
  })
  if (state.idempotencyKey)
    await ctx.deps.idempotency.hold(state.idempotencyKey, id).catch(logDeferred(ctx, 'hold key'))
  ctx.deps.logger.warn('settlement pending', { ...paymentLog(id, state), tx: txHash, reason: message })
  ctx.observe({
    type: 'pending',
    route: state.route.path,
    asset: s.handle.payment.asset,
    settleMs: s.settleMs,
  })
  return {
    kind: 'pending',
    pending: {
      paymentId: id,
      transaction: txHash ?? null,
      message:
        'settlement was broadcast but not confirmed in time; it will be reconciled. Do not pay again for it.',
      settlement: settlementFor(state.attempt, {
        success: false,
        errorReason: Reason.settlementPending,
        transaction: txHash ?? '',
      }),
    },
  }
}

/** The settlement failed (or could not be sent): nothing charged, the spend given back, the paid body withheld. */
async function failed(ctx: CoreContext, s: Settled<'failed'>): Promise<CompleteOutcome> {
  const { state } = s.handle
  const id = s.handle.payment.id
  const { reason, txHash } = s.outcome
  await writeOrDefer(ctx, {
    paymentId: id,
    route: state.route.path,
    description: `failed (${reason})`,
    write: async () => {
      if (await ctx.deps.ledger.markFailed(id, { reason, txHash, settleMs: s.settleMs }))
        await ctx.deps.limiter.release(state.holds)
    },
  })
  if (state.idempotencyKey)
    await ctx.deps.idempotency.forget(state.idempotencyKey).catch(logDeferred(ctx, 'forget key'))
  ctx.deps.logger.warn('settlement failed; paid body withheld', {
    ...paymentLog(id, state),
    reason,
    tx: txHash,
  })
  const unavailable = reason === Reason.settlementUnavailable
  ctx.observe({
    type: 'failed',
    route: state.route.path,
    asset: s.handle.payment.asset,
    reason,
    settleMs: s.settleMs,
    challenged: !unavailable,
  })
  const settlement = settlementFor(state.attempt, {
    success: false,
    errorReason: reason,
    transaction: txHash ?? '',
  })
  if (unavailable) {
    return {
      kind: 'failed',
      refusal: {
        kind: 'unavailable',
        reason,
        message: 'the settlement could not be recorded, so it was not sent; nothing was charged',
        retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
        settlement,
      },
    }
  }
  return {
    kind: 'failed',
    refusal: {
      kind: 'payment',
      reason,
      message: `settlement failed: ${s.outcome.message}`,
      challenge: state.challengeFor(reason),
      settlement,
    },
  }
}
