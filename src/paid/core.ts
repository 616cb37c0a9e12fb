import type { Address } from 'viem'
import { ChainUnavailableError } from '../chain/errors'
import { CANONICAL, type NetworkConfig } from '../config/networks'
import type { Logger } from '../lib/logger'
import { formatUsdMicros } from '../lib/money'
import { IDEMPOTENCY_KEY, type IdempotencyStore, requestFingerprint } from '../payments/idempotency'
import type { Ledger } from '../payments/ledger'
import type { SpendDecision, SpendLimiter } from '../payments/spend-limits'
import type { TmaiQuoteBook } from '../pricing/tmai-offers'
import type { PaymentAttempt } from '../x402/attempt'
import type { Facilitator, SettleOutcome } from '../x402/facilitator'
import { decodePayment, matchPayment } from '../x402/match'
import { type Offer, paymentRequiredV1, paymentRequiredV2, type ResourceDescription } from '../x402/offers'
import { Reason } from '../x402/reasons'
import { Permit2Reason } from '../x402/schemes/exact-permit2/errors'
import { settlementFor, settlementHeaders } from '../x402/settlement'
import { LedgerOutbox } from './ledger-outbox'
import { canonicalQuery } from './request-key'
import { createRouteOffers } from './route-offers'
import type {
  BeginOutcome,
  Challenge,
  CompleteOutcome,
  HandlerResult,
  Notice,
  PaidRequestInput,
  PricedRoute,
  Refusal,
  ServeHandle,
  ServeState,
} from './types'

/** What happened, for metrics (no payer addresses: those stay in the ledger and logs). */
export type PaidEvent =
  | { type: 'challenge'; route: string }
  | { type: 'refused'; route: string; reason: string; asset?: string }
  | { type: 'verified'; route: string; asset: string; ms: number }
  | {
      type: 'settled'
      route: string
      asset: string
      amountAtomic: bigint
      usdMicros: bigint
      handlerMs: number
      settleMs: number
    }
  | { type: 'released'; route: string; asset: string; reason: string }
  | { type: 'pending'; route: string; asset: string }
  | { type: 'failed'; route: string; asset: string; reason: string }
  | { type: 'ledger_write_deferred'; route: string }

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
  logger: Logger
  observe?: (event: PaidEvent) => void
}

/** How long a client should wait before retrying after we failed closed. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5
const RETRY_AFTER_PENDING_SECONDS = 10

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
  const offers = createRouteOffers(deps)

  function resourceOf(route: PricedRoute, url: string): ResourceDescription {
    return { url, description: route.description, mimeType: route.mimeType, outputSchema: route.outputSchema }
  }

  function challengeOf(
    route: PricedRoute,
    url: string,
    current: readonly Offer[],
    notice: Notice | undefined,
    reason: string,
  ): Challenge {
    const resource = resourceOf(route, url)
    const extensions = {
      ...route.extensions,
      ...(notice ? { [notice.key]: { info: notice.info } } : {}),
    }
    return {
      offers: current,
      v1: paymentRequiredV1([...current], resource, reason),
      v2: paymentRequiredV2(
        [...current],
        resource,
        reason === Reason.paymentRequired ? 'Payment required' : reason,
        Object.keys(extensions).length > 0 ? extensions : undefined,
      ),
      notice,
    }
  }

  async function begin(input: PaidRequestInput): Promise<BeginOutcome> {
    const { route } = input
    const current = await offers.current(route, input.tokenPreference)
    const challengeFor = (reason: string) =>
      challengeOf(route, input.resourceUrl, current.offers, current.notice, reason)
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
      observe({ type: 'refused', route: route.path, reason: matched.reason })
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
    const refused = (outcome: Refusal): BeginOutcome => {
      observe({ type: 'refused', route: route.path, reason: outcome.reason, asset })
      return refusal(outcome)
    }
    const reservation = await ledger.reserve(attempt, {
      method: input.request.method,
      route: route.path,
      requestKey,
      transport: input.transport,
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
      if (!(await ledger.markVerified(id, verifyMs))) return refused(abandoned())
      observe({ type: 'verified', route: route.path, asset, ms: verifyMs })
      return serve(attempt, route, challengeFor, {
        mode: 'settle',
        id,
        holds,
        idempotencyKey: idempotent.key,
        verifyMs,
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
    args: Pick<ServeState, 'mode' | 'holds' | 'txHash' | 'idempotencyKey' | 'verifyMs'> & { id: string },
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
      logger.info('handler failed; payment released', { ...log, status: result.status })
      observe({ type: 'released', route: route.path, asset, reason: `handler_status_${result.status}` })
      if (state.idempotencyKey)
        await idempotency.forget(state.idempotencyKey).catch(logDeferred('forget key'))
      return { kind: 'released', reason: `handler_status_${result.status}` }
    }

    if (!(await ledger.markSettling(id, handlerMs))) {
      // The reconciler released it meanwhile (the request outlived its bound): nothing was or will be charged.
      if (state.idempotencyKey)
        await idempotency.forget(state.idempotencyKey).catch(logDeferred('forget key'))
      return { kind: 'failed', refusal: abandoned() }
    }
    const settleStarted = performance.now()
    let outcome: SettleOutcome
    try {
      outcome = await facilitator.settle(attempt, {
        onTxHash: (hash) =>
          ledger.recordTxHash(id, hash).catch((error: unknown) => {
            throw new TxHashNotRecordedError((error as Error).message, { cause: error })
          }),
      })
    } catch (error) {
      outcome =
        error instanceof TxHashNotRecordedError
          ? { status: 'failed', reason: Reason.settlementUnavailable, message: error.message }
          : { status: 'pending', message: (error as Error).message }
    }
    const settleMs = Math.round(performance.now() - settleStarted)

    if (outcome.status === 'settled') {
      const txHash = outcome.txHash
      const write = () => ledger.markSettled(id, txHash, { settleMs, deliveredAt: Date.now() })
      await write().catch((error: unknown) => defer(id, route.path, `settled ${txHash}`, write, error))
      logger.info('payment settled', { ...log, tx: txHash, verifyMs: state.verifyMs, handlerMs, settleMs })
      observe({
        type: 'settled',
        route: route.path,
        asset,
        amountAtomic: attempt.offer.amountAtomic,
        usdMicros: attempt.offer.usdMicros,
        handlerMs,
        settleMs,
      })
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
      observe({ type: 'pending', route: route.path, asset })
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
    observe({ type: 'failed', route: route.path, asset, reason })
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

  return { begin, complete, outbox }
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
