import type { Hash } from 'viem'
import { messageOf } from '../lib/errors'
import type { SpendHold } from '../payments/spend-limits'
import type { PaymentAttempt } from '../x402/attempt'
import type { SettleOutcome } from '../x402/facilitator'
import { Reason } from '../x402/reasons'
import { type SettlementDelivery, settlementHeaders } from '../x402/settlement'
import type { CoreContext } from './context'
import type { HandlerResult, PricedRoute, ServeState } from './types'

/**
 * The bookkeeping every stage shares: giving a payment back, ledger writes that must not be lost (deferred to the
 * outbox when they fail), the settle hook that stores a transaction hash before broadcast, idempotent replays.
 */

/** The transaction hash could not be stored before broadcast, so nothing was broadcast. */
export class TxHashNotRecordedError extends Error {
  override name = 'TxHashNotRecordedError'
}

/** The log fields of one payment. */
export function paymentLog(id: string, { attempt, route }: { attempt: PaymentAttempt; route: PricedRoute }) {
  return { paymentId: id, route: route.path, payer: attempt.payer, x402Version: attempt.x402Version }
}

/** A step that may fail without harm to the payer (it is retried or rebuilt later): logged, never thrown. */
export function logDeferred(ctx: CoreContext, what: string) {
  return (error: unknown) => ctx.deps.logger.warn(`${what} failed`, { error: messageOf(error) })
}

/** A ledger write that must not be lost: `description` names it in logs and the outbox. */
export interface LedgerWrite {
  paymentId: string
  route: string
  description: string
  write: () => Promise<unknown>
}

/** Makes the write now; when it fails, logs it, counts it and queues it in the outbox to be retried. */
export async function writeOrDefer(ctx: CoreContext, entry: LedgerWrite): Promise<void> {
  try {
    await entry.write()
  } catch (error) {
    ctx.deps.logger.error('ledger write failed; deferred', {
      paymentId: entry.paymentId,
      write: entry.description,
      error: messageOf(error),
    })
    ctx.observe({ type: 'ledger_write_deferred', route: entry.route })
    ctx.outbox.add(entry.paymentId, entry.description, entry.write)
  }
}

/** Gives a payment back: released in the ledger and, only if this call released it, its spend holds too. */
export function releasePayment(
  ctx: CoreContext,
  payment: { id: string; reason: string; holds: SpendHold[]; route: string },
): Promise<void> {
  const { ledger, limiter } = ctx.deps
  return writeOrDefer(ctx, {
    paymentId: payment.id,
    route: payment.route,
    description: `release (${payment.reason})`,
    write: async () => {
      if (await ledger.release(payment.id, payment.reason)) await limiter.release(payment.holds)
    },
  })
}

/** Gives back the optimistic exposure a payment held. */
export function releaseExposure(ctx: CoreContext, attempt: PaymentAttempt): Promise<void> {
  return (
    ctx.deps.exposure
      ?.release(attempt.payer, attempt.offer.usdMicros)
      .catch(logDeferred(ctx, 'release exposure')) ?? Promise.resolve()
  )
}

/** The settle hook that stores each signed transaction's hash (and call index) before it is broadcast. */
function recordingTxHash(ctx: CoreContext, id: string, onRecorded?: (hash: Hash) => void) {
  return (hash: Hash, callIndex?: number) =>
    ctx.deps.ledger.recordTxHash(id, hash, callIndex).then(
      () => onRecorded?.(hash),
      (error: unknown) => {
        throw new TxHashNotRecordedError(messageOf(error), { cause: error })
      },
    )
}

/**
 * Settles a verified payment, its transaction hash stored before broadcast. A hash that could not be stored means
 * nothing was sent (failed, not charged); any other fault after the hook may have broadcast, so it is `pending`.
 */
export async function settlePayment(
  ctx: CoreContext,
  payment: { id: string; attempt: PaymentAttempt; onTxHash?: (hash: Hash) => void },
): Promise<SettleOutcome> {
  try {
    return await ctx.deps.facilitator.settle(payment.attempt, {
      onTxHash: recordingTxHash(ctx, payment.id, payment.onTxHash),
    })
  } catch (error) {
    return error instanceof TxHashNotRecordedError
      ? { status: 'failed', reason: Reason.settlementUnavailable, message: error.message }
      : { status: 'pending', message: messageOf(error) }
  }
}

/** Revenue in the metrics: what the offer charged, once its Transfer is on chain (either settlement mode). */
export function observeSettled(
  ctx: CoreContext,
  { attempt, route }: ServeState,
  timings: { handlerMs: number; settleMs: number },
): void {
  ctx.observe({
    type: 'settled',
    route: route.path,
    asset: attempt.offer.asset.symbol,
    amountAtomic: attempt.offer.amountAtomic,
    usdMicros: attempt.offer.usdMicros,
    ...timings,
  })
}

/** Stores a delivered paid answer under its idempotency key, for replays. */
export async function remember(
  ctx: CoreContext,
  state: ServeState,
  delivered: { result: HandlerResult; settlement: SettlementDelivery },
): Promise<void> {
  if (!state.idempotencyKey) return
  const { result, settlement } = delivered
  await ctx.deps.idempotency
    .complete(state.idempotencyKey, {
      status: result.status,
      headers: {
        'content-type': result.contentType,
        'cache-control': 'private, no-store',
        ...lowerCaseKeys(settlementHeaders(settlement)),
      },
      body: result.body,
    })
    .catch(logDeferred(ctx, 'store idempotent response'))
}

const lowerCaseKeys = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
