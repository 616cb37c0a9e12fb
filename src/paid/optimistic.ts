import type { Hash } from 'viem'
import { messageOf } from '../lib/errors'
import type { SettleOutcome } from '../x402/facilitator'
import { settlementFor } from '../x402/settlement'
import {
  observeSettled,
  paymentLog,
  releaseExposure,
  remember,
  settlePayment,
  writeOrDefer,
} from './bookkeeping'
import type { CoreContext } from './context'
import type { CompleteOutcome, HandlerResult, ServeHandle } from './types'

/** How long an optimistic answer waits for its settlement transaction's hash (to put it in the header). */
const OPTIMISTIC_HASH_WAIT_MS = 250

/**
 * Optimistic settlement: the body leaves now (with the settlement transaction's hash once it is signed, which takes
 * a few milliseconds), and the settlement finishes in the background. Settled gives the exposure back; a failure
 * leaves the payment `unpaid`, which refuses the payer's optimistic payments until the reconciler collects it.
 */
export async function serveOptimistically(
  ctx: CoreContext,
  handle: ServeHandle,
  { result, handlerMs }: { result: HandlerResult; handlerMs: number },
): Promise<CompleteOutcome> {
  const { attempt, route } = handle.state
  const id = handle.payment.id
  let signedHash: Hash | undefined
  let signed!: () => void
  const hashKnown = new Promise<void>((resolve) => {
    signed = resolve
  })
  const settleStarted = performance.now()
  const settling = settlePayment(ctx, {
    id,
    attempt,
    onTxHash: (hash) => {
      signedHash = hash
      signed()
    },
  }).then((outcome) =>
    finishOptimistic(ctx, handle, {
      outcome,
      handlerMs,
      settleMs: Math.round(performance.now() - settleStarted),
    }),
  )
  const finish = settling.finally(() => ctx.background.delete(finish))
  ctx.background.add(finish)

  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([
    hashKnown,
    settling,
    new Promise((resolve) => {
      timer = setTimeout(resolve, OPTIMISTIC_HASH_WAIT_MS)
    }),
  ])
  clearTimeout(timer)
  const settlement = settlementFor(attempt, { success: true, transaction: signedHash ?? '' })
  await remember(ctx, handle.state, { result, settlement })
  ctx.observe({ type: 'served_optimistic', route: route.path, asset: handle.payment.asset })
  return { kind: 'served', settlement, paymentId: id }
}

/** The background settlement's bookkeeping: settled, still pending, or served and not paid (`unpaid`). */
async function finishOptimistic(
  ctx: CoreContext,
  handle: ServeHandle,
  { outcome, handlerMs, settleMs }: { outcome: SettleOutcome; handlerMs: number; settleMs: number },
): Promise<void> {
  const { attempt, route } = handle.state
  const id = handle.payment.id
  const asset = handle.payment.asset
  const { ledger, logger } = ctx.deps
  const log = paymentLog(id, handle.state)
  const deferred = (description: string, write: () => Promise<unknown>) =>
    writeOrDefer(ctx, { paymentId: id, route: route.path, description, write })
  try {
    if (outcome.status === 'settled') {
      const { txHash } = outcome
      const txCallIndex = outcome.callIndex ?? null
      await deferred(`settled ${txHash}`, () => ledger.markSettled(id, txHash, { settleMs, txCallIndex }))
      await releaseExposure(ctx, attempt)
      logger.info('optimistic payment settled', { ...log, tx: txHash, settleMs })
      observeSettled(ctx, handle.state, { handlerMs, settleMs })
    } else if (outcome.status === 'pending') {
      // Still counted as exposure until the reconciler decides.
      await deferred('pending', () =>
        ledger.markPending(id, { reason: outcome.message, txHash: outcome.txHash, settleMs }),
      )
      logger.warn('optimistic settlement pending', { ...log, tx: outcome.txHash, reason: outcome.message })
      ctx.observe({ type: 'pending', route: route.path, asset, settleMs })
    } else {
      await deferred('unpaid', () =>
        ledger.markUnpaid(id, { reason: outcome.reason, txHash: outcome.txHash, settleMs }),
      )
      logger.warn('optimistic settlement failed: served, not paid; payer refused until collected', {
        ...log,
        reason: outcome.reason,
        tx: outcome.txHash,
      })
      ctx.observe({ type: 'unpaid', route: route.path, asset, reason: outcome.reason })
    }
  } catch (error) {
    logger.error('optimistic settlement bookkeeping failed', { ...log, error: messageOf(error) })
  }
}
