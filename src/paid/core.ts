import type { Address, Hash } from 'viem'
import { ChainUnavailableError } from '../chain/errors'
import { CANONICAL, type NetworkConfig } from '../config/networks'
import type { Logger } from '../lib/logger'
import { formatUsdMicros } from '../lib/money'
import type { ExposureLimiter } from '../payments/exposure'
import { IDEMPOTENCY_KEY, type IdempotencyStore, requestFingerprint } from '../payments/idempotency'
import type { Ledger } from '../payments/ledger'
import type { SpendDecision, SpendLimiter } from '../payments/spend-limits'
import type { TmaiQuoteBook } from '../pricing/tmai-offers'
import type { PaymentAttempt } from '../x402/attempt'
import type { Facilitator, SettleOutcome } from '../x402/facilitator'
import { decodePayment, matchPayment } from '../x402/match'
import { Reason } from '../x402/reasons'
import { Permit2Reason } from '../x402/schemes/exact-permit2/errors'
import { settlementFor, settlementHeaders } from '../x402/settlement'
import { createChallengeCache, resourceOf } from './challenges'
import { LedgerOutbox } from './ledger-outbox'
import { canonicalQuery } from './request-key'
import { createRouteOffers } from './route-offers'
import type {
  BeginOutcome,
  Challenge,
  CompleteOutcome,
  HandlerResult,
  PaidRequestInput,
  PricedRoute,
  Refusal,
  ServeHandle,
  ServeState,
} from './types'

/** What happened, for metrics (no payer addresses: those stay in the ledger and logs). */
export type PaidEvent =
  | { type: 'challenge'; route: string }
  /** `asset` once the payment was bound to an offer; `challenged` when a fresh 402 went with the refusal. */
  | { type: 'refused'; route: string; reason: string; asset?: string; challenged: boolean }
  | {
      type: 'verification'
      route: string
      asset: string
      ms: number
      verdict: 'ok' | 'refused' | 'unavailable'
    }
  | {
      type: 'settled'
      route: string
      asset: string
      amountAtomic: bigint
      usdMicros: bigint
      handlerMs: number
      settleMs: number
    }
  | { type: 'released'; route: string; asset: string; reason: string; handlerMs: number }
  | { type: 'pending'; route: string; asset: string; settleMs: number }
  | { type: 'failed'; route: string; asset: string; reason: string; settleMs: number; challenged: boolean }
  | { type: 'ledger_write_deferred'; route: string }
  /** Optimistic settlement: served before settling; `unpaid` when the background settlement then failed. */
  | { type: 'served_optimistic'; route: string; asset: string }
  | { type: 'unpaid'; route: string; asset: string; reason: string }

export interface PaidCoreDeps {
  network: NetworkConfig
  payTo: Address
  maxTimeoutSeconds: number
  maxPaymentHeaderBytes: number
  /** Verification gives up after this long in total (fail closed, fast). */
  verifyTimeoutMs: number
  ledger: Ledger
  limiter: SpendLimiter
  idempotency: IdempotencyStore
  facilitator: Facilitator
  tmai?: TmaiQuoteBook
  /** Caps on unsettled USD served by optimistic routes (required for a route with `settle: 'optimistic'`). */
  exposure?: ExposureLimiter
  logger: Logger
  observe?: (event: PaidEvent) => void
}

/** How long a client should wait before retrying after we failed closed. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5
const RETRY_AFTER_PENDING_SECONDS = 10
/** Optimistic exposure frees up as settlements land (about a block): retry after this. */
const RETRY_AFTER_EXPOSURE_SECONDS = 2
/** How long an optimistic answer waits for its settlement transaction's hash (to put it in the header). */
const OPTIMISTIC_HASH_WAIT_MS = 250

/** The transaction hash could not be stored before broadcast, so nothing was broadcast. */
class TxHashNotRecordedError extends Error {
  override name = 'TxHashNotRecordedError'
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

const isUnavailable = (error: unknown) =>
  error instanceof ChainUnavailableError ||
  error instanceof VerificationTimeoutError ||
  (error as Error)?.name === 'FacilitatorUnavailableError'

const refusal = (outcome: Refusal): BeginOutcome => ({ kind: 'refusal', refusal: outcome })

/**
 * The paid-request flow, the same for every door (HTTP, MCP): 402 → decode → match our own terms → idempotency →
 * reserve (atomic, before verification) → spend limits → verify (bounded in time) → handler → release on failure,
 * else settle → ledger → settlement. A paid body is never delivered unless the Transfer to payTo is on chain, and a
 * payer whose transfer happened is never told that nothing was charged.
 */
export function createPaidRequestCore(deps: PaidCoreDeps) {
  const { ledger, limiter, idempotency, facilitator, logger } = deps
  const observe = deps.observe ?? (() => {})
  const outbox = new LedgerOutbox(logger)
  /** Optimistic settlements still running in the background (`idle()` waits for them: shutdown, tests). */
  const background = new Set<Promise<void>>()
  const offers = createRouteOffers(deps)
  const challenges = createChallengeCache()

  async function begin(input: PaidRequestInput): Promise<BeginOutcome> {
    const { route } = input
    const current = await offers.current(route, input.tokenPreference)
    const challengeFor = (reason: string) => challenges.challenge(route, input.resourceUrl, current, reason)
    if (!input.payment) {
      observe({ type: 'challenge', route: route.path })
      return {
        kind: 'challenge',
        challenge: challengeFor(Reason.paymentRequired),
        message: `this endpoint costs $${route.usdPrice}; pay with x402`,
      }
    }

    const decoded = decodePayment(input.payment, deps.maxPaymentHeaderBytes)
    const honoured =
      decoded.ok && decoded.value.version === 2
        ? await offers.honoured(route, decoded.value.payload.accepted, current.offers)
        : []
    const matched = decoded.ok
      ? matchPayment(decoded.value, current.offers, resourceOf(route, input.resourceUrl), () => honoured)
      : decoded
    if (!matched.ok) {
      observe({
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
    if (key === undefined) return admit(input, attempt, requestKey, challengeFor, {})

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
      logger.info('idempotent replay; no new charge', { route: route.path, payer: attempt.payer })
      return { kind: 'replay', response: begun.response }
    }
    const heldFor = begun.kind === 'held' ? begun.paymentId : undefined
    let outcome: BeginOutcome | undefined
    try {
      outcome = await admit(input, attempt, requestKey, challengeFor, { key: begun.key, heldFor })
      return outcome
    } finally {
      // A key we claimed is free again unless this request goes on (serve) or its payment is still settling.
      const keep = outcome?.kind === 'serve' || outcome?.kind === 'pending'
      if (!heldFor && !keep) await idempotency.forget(begun.key).catch(logDeferred('forget idempotency key'))
      if (!heldFor && outcome?.kind === 'pending') {
        await idempotency
          .hold(begun.key, outcome.pending.paymentId)
          .catch(logDeferred('hold idempotency key'))
      }
    }
  }

  /** Reserve → spend limits → verify. Everything that does not end in `serve` leaves the payment uncharged. */
  async function admit(
    input: PaidRequestInput,
    attempt: PaymentAttempt,
    requestKey: string,
    challengeFor: (reason: string) => Challenge,
    idempotent: { key?: string; heldFor?: string },
  ): Promise<BeginOutcome> {
    const route = input.route
    const asset = attempt.offer.asset.symbol
    const optimistic = route.settle === 'optimistic'
    const refused = (outcome: Refusal): BeginOutcome => {
      observe({
        type: 'refused',
        route: route.path,
        reason: outcome.reason,
        asset,
        challenged: !!outcome.challenge,
      })
      return refusal(outcome)
    }
    if (optimistic && (await ledger.hasUnpaid(attempt.payer))) {
      return refused({
        kind: 'payment',
        reason: Reason.unpaidSettlement,
        message:
          'an answer served to this payer earlier was never paid (its settlement failed); payments are refused until it is collected. Nothing was charged.',
        challenge: challengeFor(Reason.unpaidSettlement),
      })
    }
    const reservation = await ledger.reserve(attempt, {
      method: input.request.method,
      route: route.path,
      requestKey,
      transport: input.transport,
      settleMode: optimistic ? 'optimistic' : 'before-response',
    })
    if (!reservation.ok) {
      const existing = reservation.existing
      const sameRequest = existing?.requestKey === requestKey
      if (existing && sameRequest && existing.state === 'settled' && existing.deliveredAt === null) {
        // Paid on chain after its own request gave up (settlement pending): the retry gets what was paid for, once.
        if (!(await ledger.claimDelivery(existing.id))) {
          return refused(
            conflict(Reason.paymentInProgress, 'this payment is already being delivered to another request'),
          )
        }
        return serve(attempt, route, challengeFor, {
          mode: 'redeem',
          id: existing.id,
          txHash: existing.txHash as `0x${string}`,
          holds: [],
          idempotencyKey: idempotent.key,
          verifyMs: 0,
        })
      }
      if (existing && sameRequest && existing.state === 'pending') {
        return {
          kind: 'pending',
          pending: {
            paymentId: existing.id,
            transaction: existing.txHash,
            message:
              'this payment is still settling; retry the same request shortly. Do not pay again for it.',
          },
        }
      }
      if (reservation.state === 'settled' || reservation.state === 'failed') {
        return refused({
          kind: 'payment',
          reason: Reason.nonceAlreadyUsed,
          message: 'this payment was already used',
          challenge: challengeFor(Reason.nonceAlreadyUsed),
        })
      }
      return refused(
        conflict(Reason.paymentInProgress, 'this payment is already being processed by another request', {
          state: reservation.state,
        }),
      )
    }
    const id = reservation.id
    const log = { paymentId: id, route: route.path, payer: attempt.payer, x402Version: attempt.x402Version }

    let holds: Extract<SpendDecision, { ok: true }>['holds'] = []
    const notCharged = (reason: string) => releasePayment(id, reason, holds, route.path)
    try {
      if (idempotent.heldFor && idempotent.heldFor !== id) {
        await notCharged(Reason.requestInProgress)
        return refused(
          conflict(
            Reason.requestInProgress,
            'the payment first made with this idempotency key is still settling; retry with that same payment, not a new one',
          ),
        )
      }
      const spend = await limiter.reserve({
        payer: attempt.payer,
        route: route.path,
        usdMicros: attempt.offer.usdMicros,
      })
      if (!spend.ok) {
        await notCharged(Reason.spendLimitExceeded)
        logger.info('spend limit exceeded', { ...log, limit: spend.limit })
        return refused(spendLimitRefusal(spend, challengeFor))
      }
      holds = spend.holds
      await ledger.markSpendHeld(id, spend.atSeconds)

      const verifyStarted = performance.now()
      let verified: Awaited<ReturnType<Facilitator['verify']>>
      try {
        verified = await withDeadline(facilitator.verify(attempt), deps.verifyTimeoutMs)
      } catch (error) {
        if (!isUnavailable(error)) throw error
        const ms = Math.round(performance.now() - verifyStarted)
        observe({ type: 'verification', route: route.path, asset, ms, verdict: 'unavailable' })
        await notCharged(Reason.verificationUnavailable)
        logger.error('payment verification unavailable', { ...log, error: (error as Error).message })
        return refused({
          kind: 'unavailable',
          reason: Reason.verificationUnavailable,
          message: 'payment verification is unavailable right now; nothing was charged',
          retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
        })
      }
      const verifyMs = Math.round(performance.now() - verifyStarted)
      observe({
        type: 'verification',
        route: route.path,
        asset,
        ms: verifyMs,
        verdict: verified.ok ? 'ok' : 'refused',
      })
      if (!verified.ok) {
        await notCharged(verified.reason)
        logger.info('payment rejected', { ...log, reason: verified.reason })
        // Fixable once by the payer: 412 with instructions rather than a plain refusal.
        const approval = verified.reason === Permit2Reason.allowanceRequired
        return refused({
          kind: approval ? 'approval_required' : 'payment',
          reason: verified.reason,
          message: approval ? permit2ApprovalHelp(attempt) : verified.message,
          challenge: challengeFor(verified.reason),
        })
      }
      if (optimistic) {
        if (!deps.exposure)
          throw new Error(`${route.path} settles optimistically but no exposure caps are set`)
        const exposure = await deps.exposure.reserve(attempt.payer, attempt.offer.usdMicros)
        if (!exposure.ok) {
          await notCharged(Reason.exposureLimitReached)
          logger.info('optimistic exposure cap reached', { ...log, scope: exposure.scope })
          return refused({
            kind: 'unavailable',
            reason: Reason.exposureLimitReached,
            message: `unsettled optimistic payments ${exposure.scope === 'payer' ? 'of this payer' : 'in total'} are at their cap of $${formatUsdMicros(exposure.capMicros)}; retry shortly. Nothing was charged.`,
            details: { scope: exposure.scope, capUsd: formatUsdMicros(exposure.capMicros) },
            retryAfterSeconds: RETRY_AFTER_EXPOSURE_SECONDS,
          })
        }
      }
      if (!(await ledger.markVerified(id, verifyMs, attempt))) {
        if (optimistic) await deps.exposure?.release(attempt.payer, attempt.offer.usdMicros)
        return refused(abandoned())
      }
      return serve(attempt, route, challengeFor, {
        mode: 'settle',
        id,
        holds,
        idempotencyKey: idempotent.key,
        verifyMs,
        optimistic,
      })
    } catch (error) {
      // An infrastructure fault before anything was verified or broadcast: give the payment back, then report it.
      await notCharged('internal_error').catch(logDeferred('release after error'))
      throw error
    }
  }

  function serve(
    attempt: PaymentAttempt,
    route: PricedRoute,
    challengeFor: (reason: string) => Challenge,
    args: Pick<ServeState, 'mode' | 'holds' | 'txHash' | 'idempotencyKey' | 'verifyMs' | 'optimistic'> & {
      id: string
    },
  ): BeginOutcome {
    const state: ServeState = { ...args, attempt, route, challengeFor, servedAt: performance.now() }
    const handle: ServeHandle = {
      payment: {
        id: args.id,
        payer: attempt.payer,
        asset: attempt.offer.asset.symbol,
        amount: attempt.offer.amountAtomic.toString(),
      },
      state,
    }
    return { kind: 'serve', handle }
  }

  /** Gives a payment back: released in the ledger and, only if this call released it, its spend holds too. */
  async function releasePayment(
    id: string,
    reason: string,
    holds: Extract<SpendDecision, { ok: true }>['holds'],
    route: string,
  ): Promise<void> {
    const write = async () => {
      if (await ledger.release(id, reason)) await limiter.release(holds)
    }
    try {
      await write()
    } catch (error) {
      defer(id, route, `release (${reason})`, write, error)
    }
  }

  function defer(
    id: string,
    route: string,
    description: string,
    write: () => Promise<unknown>,
    error: unknown,
  ) {
    logger.error('ledger write failed; deferred', {
      paymentId: id,
      write: description,
      error: (error as Error).message,
    })
    observe({ type: 'ledger_write_deferred', route })
    outbox.add(id, description, write)
  }

  /** Settles (or releases) what `begin` admitted. Never throws once a transfer may have happened. */
  /** Revenue in the metrics: what the offer charged, once its Transfer is on chain (either settlement mode). */
  function observeSettled({ attempt, route }: ServeState, handlerMs: number, settleMs: number): void {
    observe({
      type: 'settled',
      route: route.path,
      asset: attempt.offer.asset.symbol,
      amountAtomic: attempt.offer.amountAtomic,
      usdMicros: attempt.offer.usdMicros,
      handlerMs,
      settleMs,
    })
  }

  async function complete(handle: ServeHandle, result: HandlerResult): Promise<CompleteOutcome> {
    const state = handle.state
    const { attempt, route } = state
    const id = handle.payment.id
    const asset = handle.payment.asset
    const handlerMs = Math.round(performance.now() - state.servedAt)
    const log = { paymentId: id, route: route.path, payer: attempt.payer, x402Version: attempt.x402Version }

    if (state.mode === 'redeem') {
      if (result.status >= 400) {
        await ledger.unclaimDelivery(id).catch(logDeferred('unclaim delivery'))
        if (state.idempotencyKey)
          await idempotency.hold(state.idempotencyKey, id).catch(logDeferred('hold key'))
        return { kind: 'undelivered' }
      }
      const settlement = settlementFor(attempt, { success: true, transaction: state.txHash ?? '' })
      await remember(state, result, settlement)
      logger.info('settled payment redeemed by its retry', { ...log, tx: state.txHash })
      return { kind: 'settled', settlement, paymentId: id }
    }

    if (result.status >= 400) {
      await releasePayment(id, `handler_status_${result.status}`, state.holds, route.path)
      if (state.optimistic) await releaseExposure(attempt)
      logger.info('handler failed; payment released', { ...log, status: result.status })
      observe({
        type: 'released',
        route: route.path,
        asset,
        reason: `handler_status_${result.status}`,
        handlerMs,
      })
      if (state.idempotencyKey)
        await idempotency.forget(state.idempotencyKey).catch(logDeferred('forget key'))
      return { kind: 'released', reason: `handler_status_${result.status}` }
    }

    if (!(await ledger.markSettling(id, handlerMs, state.optimistic ? Date.now() : undefined))) {
      // The reconciler released it meanwhile (the request outlived its bound): nothing was or will be charged.
      if (state.optimistic) await releaseExposure(attempt)
      if (state.idempotencyKey)
        await idempotency.forget(state.idempotencyKey).catch(logDeferred('forget key'))
      return { kind: 'failed', refusal: abandoned() }
    }
    if (state.optimistic) return serveOptimistically(handle, result, handlerMs)
    const settleStarted = performance.now()
    let outcome: SettleOutcome
    try {
      outcome = await facilitator.settle(attempt, { onTxHash: recordingTxHash(id) })
    } catch (error) {
      outcome =
        error instanceof TxHashNotRecordedError
          ? { status: 'failed', reason: Reason.settlementUnavailable, message: error.message }
          : { status: 'pending', message: (error as Error).message }
    }
    const settleMs = Math.round(performance.now() - settleStarted)

    if (outcome.status === 'settled') {
      const txHash = outcome.txHash
      const txCallIndex = outcome.callIndex ?? null
      const write = () => ledger.markSettled(id, txHash, { settleMs, deliveredAt: Date.now(), txCallIndex })
      await write().catch((error: unknown) => defer(id, route.path, `settled ${txHash}`, write, error))
      logger.info('payment settled', { ...log, tx: txHash, verifyMs: state.verifyMs, handlerMs, settleMs })
      observeSettled(state, handlerMs, settleMs)
      const settlement = settlementFor(attempt, { success: true, transaction: txHash })
      await remember(state, result, settlement)
      return { kind: 'settled', settlement, paymentId: id }
    }

    if (outcome.status === 'pending') {
      // Broadcast, outcome unknown: the spend stays counted until the reconciler decides.
      const { txHash, message } = outcome
      const write = () => ledger.markPending(id, message, txHash, { settleMs })
      await write().catch((error: unknown) => defer(id, route.path, 'pending', write, error))
      if (state.idempotencyKey)
        await idempotency.hold(state.idempotencyKey, id).catch(logDeferred('hold key'))
      logger.warn('settlement pending', { ...log, tx: txHash, reason: message })
      observe({ type: 'pending', route: route.path, asset, settleMs })
      return {
        kind: 'pending',
        pending: {
          paymentId: id,
          transaction: txHash ?? null,
          message:
            'settlement was broadcast but not confirmed in time; it will be reconciled. Do not pay again for it.',
          settlement: settlementFor(attempt, {
            success: false,
            errorReason: Reason.settlementPending,
            transaction: txHash ?? '',
          }),
        },
      }
    }

    const { reason, txHash } = outcome
    const write = async () => {
      if (await ledger.markFailed(id, reason, txHash, { settleMs })) await limiter.release(state.holds)
    }
    await write().catch((error: unknown) => defer(id, route.path, `failed (${reason})`, write, error))
    if (state.idempotencyKey) await idempotency.forget(state.idempotencyKey).catch(logDeferred('forget key'))
    logger.warn('settlement failed; paid body withheld', { ...log, reason, tx: txHash })
    observe({
      type: 'failed',
      route: route.path,
      asset,
      reason,
      settleMs,
      challenged: reason !== Reason.settlementUnavailable,
    })
    const settlement = settlementFor(attempt, {
      success: false,
      errorReason: reason,
      transaction: txHash ?? '',
    })
    if (reason === Reason.settlementUnavailable) {
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
        message: `settlement failed: ${outcome.message}`,
        challenge: state.challengeFor(reason),
        settlement,
      },
    }
  }

  /** The settle hook that stores each signed transaction's hash (and call index) before it is broadcast. */
  function recordingTxHash(id: string, onRecorded?: (hash: Hash) => void) {
    return (hash: Hash, callIndex?: number) =>
      ledger.recordTxHash(id, hash, callIndex).then(
        () => onRecorded?.(hash),
        (error: unknown) => {
          throw new TxHashNotRecordedError((error as Error).message, { cause: error })
        },
      )
  }

  function releaseExposure(attempt: PaymentAttempt): Promise<void> {
    return (
      deps.exposure?.release(attempt.payer, attempt.offer.usdMicros).catch(logDeferred('release exposure')) ??
      Promise.resolve()
    )
  }

  /**
   * Optimistic settlement: the body leaves now (with the settlement transaction's hash once it is signed, which takes
   * a few milliseconds), and the settlement finishes in the background. Settled gives the exposure back; a failure
   * leaves the payment `unpaid`, which refuses the payer's optimistic payments until the reconciler collects it.
   */
  async function serveOptimistically(
    handle: ServeHandle,
    result: HandlerResult,
    handlerMs: number,
  ): Promise<CompleteOutcome> {
    const { attempt, route } = handle.state
    const id = handle.payment.id
    const asset = handle.payment.asset
    const log = { paymentId: id, route: route.path, payer: attempt.payer, x402Version: attempt.x402Version }
    let signedHash: Hash | undefined
    let signed!: () => void
    const hashKnown = new Promise<void>((resolve) => {
      signed = resolve
    })
    const settleStarted = performance.now()
    const settling = facilitator
      .settle(attempt, {
        onTxHash: recordingTxHash(id, (hash) => {
          signedHash = hash
          signed()
        }),
      })
      .catch(
        (error: unknown): SettleOutcome =>
          error instanceof TxHashNotRecordedError
            ? { status: 'failed', reason: Reason.settlementUnavailable, message: error.message }
            : { status: 'pending', message: (error as Error).message },
      )
      .then((outcome) => finishOptimistic(outcome, Math.round(performance.now() - settleStarted)))
    const finish = settling.finally(() => background.delete(finish))
    background.add(finish)

    async function finishOptimistic(outcome: SettleOutcome, settleMs: number): Promise<void> {
      try {
        if (outcome.status === 'settled') {
          const { txHash } = outcome
          const txCallIndex = outcome.callIndex ?? null
          const write = () => ledger.markSettled(id, txHash, { settleMs, txCallIndex })
          await write().catch((error: unknown) => defer(id, route.path, `settled ${txHash}`, write, error))
          await releaseExposure(attempt)
          logger.info('optimistic payment settled', { ...log, tx: txHash, settleMs })
          observeSettled(handle.state, handlerMs, settleMs)
        } else if (outcome.status === 'pending') {
          // Still counted as exposure until the reconciler decides.
          const write = () => ledger.markPending(id, outcome.message, outcome.txHash, { settleMs })
          await write().catch((error: unknown) => defer(id, route.path, 'pending', write, error))
          logger.warn('optimistic settlement pending', {
            ...log,
            tx: outcome.txHash,
            reason: outcome.message,
          })
          observe({ type: 'pending', route: route.path, asset, settleMs })
        } else {
          const write = () => ledger.markUnpaid(id, outcome.reason, outcome.txHash, { settleMs })
          await write().catch((error: unknown) => defer(id, route.path, 'unpaid', write, error))
          logger.warn('optimistic settlement failed: served, not paid; payer refused until collected', {
            ...log,
            reason: outcome.reason,
            tx: outcome.txHash,
          })
          observe({ type: 'unpaid', route: route.path, asset, reason: outcome.reason })
        }
      } catch (error) {
        logger.error('optimistic settlement bookkeeping failed', { ...log, error: (error as Error).message })
      }
    }

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
    await remember(handle.state, result, settlement)
    observe({ type: 'served_optimistic', route: route.path, asset })
    return { kind: 'served', settlement, paymentId: id }
  }

  /** Resolves once every optimistic settlement running in the background has finished its bookkeeping. */
  async function idle(): Promise<void> {
    while (background.size > 0) await Promise.allSettled([...background])
  }

  /** Stores a delivered paid answer under its idempotency key, for replays. */
  async function remember(
    state: ServeState,
    result: HandlerResult,
    settlement: ReturnType<typeof settlementFor>,
  ) {
    if (!state.idempotencyKey) return
    await idempotency
      .complete(state.idempotencyKey, {
        status: result.status,
        headers: {
          'content-type': result.contentType,
          'cache-control': 'private, no-store',
          ...lowerCaseKeys(settlementHeaders(settlement)),
        },
        body: result.body,
      })
      .catch(logDeferred('store idempotent response'))
  }

  function logDeferred(what: string) {
    return (error: unknown) => logger.warn(`${what} failed`, { error: (error as Error).message })
  }

  return { begin, complete, outbox, idle }
}

export type PaidRequestCore = ReturnType<typeof createPaidRequestCore>

const lowerCaseKeys = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))

function conflict(reason: string, message: string, details?: Record<string, unknown>): Refusal {
  return { kind: 'conflict', reason, message, ...(details ? { details } : {}) }
}

function abandoned(): Refusal {
  return {
    kind: 'unavailable',
    reason: Reason.paymentAbandoned,
    message:
      'this request took too long and its payment was released; nothing was charged. Retry the request.',
    retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
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

function spendLimitRefusal(
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

function permit2ApprovalHelp(attempt: PaymentAttempt): string {
  const { symbol, address } = attempt.offer.asset
  return (
    `${attempt.payer} has not approved Permit2 (${CANONICAL.permit2}) to move its ${symbol}. ` +
    `Approve once — \`PAYER_PRIVATE_KEY=… x402-analytics permit2-approve --token ${symbol}\`, ` +
    `or call approve(${CANONICAL.permit2}, max) on ${address} — then retry; nothing was charged.`
  )
}

export { RETRY_AFTER_PENDING_SECONDS }
