import type { Context, MiddlewareHandler, Next } from 'hono'
import type { Address } from 'viem'
import type { Services } from '../app'
import type { Endpoint } from '../catalog/types'
import { ChainUnavailableError } from '../chain/errors'
import type { Config } from '../config/env'
import { CANONICAL } from '../config/networks'
import { ApiError } from '../http/errors'
import { formatAtomic } from '../lib/money'
import { IDEMPOTENCY_KEY, requestFingerprint } from '../payments/idempotency'
import type { SpendDecision } from '../payments/spend-limits'
import { tierPriceUsd } from '../pricing/tiers'
import type { Facilitator } from './facilitator'
import { type MatchResult, matchV1, matchV2, type PaymentAttempt } from './match'
import { buildOffers, type Offer, offerFromQuote, type ResourceDescription } from './offers'
import { Reason } from './reasons'
import { challenge, jsonResponse, paidResponse, REPLAYED_HEADERS, settlementHeader } from './responses'
import type { PaymentRequirementsV2 } from './schemas'
import { Permit2Reason } from './schemes/exact-permit2/errors'

/** What the payment gate uses of the app's services. */
export type PaymentGateDeps = Pick<
  Services,
  | 'config'
  | 'network'
  | 'payTo'
  | 'market'
  | 'ledger'
  | 'facilitator'
  | 'tmai'
  | 'limiter'
  | 'idempotency'
  | 'logger'
>

export type PaymentVariables = {
  /** Set once a payment is verified, for handlers and logs. */
  payment?: { id: string; payer: Address; asset: string; amount: string }
  /** Input parsed by the gate, so the handler does not parse twice. */
  parsedInput?: unknown
}

const PAYMENT_HEADER_V1 = 'X-PAYMENT'
const PAYMENT_HEADER_V2 = 'PAYMENT-SIGNATURE'

/** What the payment bought: method, path and the query in a stable order. */
export function requestKey(c: Context): string {
  const url = new URL(c.req.url)
  const params = [...url.searchParams.entries()].sort(([a, av], [b, bv]) =>
    a === b ? av.localeCompare(bv) : a.localeCompare(b),
  )
  return `${c.req.method} ${url.pathname}?${new URLSearchParams(params).toString()}`
}

function resourceFor(
  c: Context,
  endpoint: Endpoint,
  config: Config,
  queryParams: Record<string, string>,
): ResourceDescription {
  const url = new URL(c.req.url)
  const base = config.publicUrl ? config.publicUrl.replace(/\/$/, '') : url.origin
  return {
    url: `${base}${url.pathname}${url.search}`,
    description: endpoint.description,
    mimeType: 'application/json',
    outputSchema: {
      input: { type: 'http', method: 'GET', discoverable: true, queryParams },
      output: { type: 'json', envelope: '{success, message, length, data, meta}' },
    },
  }
}

function queryParamsOf(endpoint: Endpoint): Record<string, string> {
  const schema = endpoint.input.toJSONSchema?.({ unrepresentable: 'any', io: 'input' }) as
    | { properties?: Record<string, { type?: string; description?: string }> }
    | undefined
  return Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([k, v]) => [k, v.type ?? 'string']))
}

/**
 * The paid-request flow of DESIGN.md §4 for one catalog endpoint: 402 → decode → match our own terms → reserve
 * (atomic, before verification) → verify → handler → release on >= 400, else settle and attach the settlement header.
 * A paid body is never returned unless the Transfer to payTo is on chain.
 */
export function paymentGate(
  endpoint: Endpoint,
  deps: PaymentGateDeps,
): MiddlewareHandler<{ Variables: PaymentVariables }> {
  const usdPrice = tierPriceUsd(deps.config, endpoint.tier)
  if (usdPrice === null) throw new Error(`paymentGate: ${endpoint.path} is free`)
  const { config, ledger, facilitator, logger, limiter, idempotency } = deps
  const queryParams = queryParamsOf(endpoint)
  const offerContext = {
    network: deps.network,
    payTo: deps.payTo,
    usdPrice,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
  }
  let lastTmaiWarning = 0

  /** This request's offers: USDC, plus TMAI at a fresh quote unless the payer asked for USDC only. */
  async function offersFor(c: Context): Promise<{ offers: Offer[]; notice?: Notice }> {
    const header = c.req.header('x-payment-token')?.trim().toLowerCase()
    const preference = header === 'usdc' || header === 'tmai' ? header : undefined
    if (!deps.tmai || preference === 'usdc') return { offers: buildOffers(offerContext, { preference }) }
    const quoted = await deps.tmai.quote(endpoint.path, usdPrice!, config.maxTimeoutSeconds)
    if (quoted.ok) return { offers: buildOffers(offerContext, { tmai: quoted.quote, preference }) }
    if (Date.now() - lastTmaiWarning > 60_000) {
      lastTmaiWarning = Date.now()
      logger.warn('TMAI offer left out: no valid TMAI/USD price', {
        reason: quoted.reason,
        detail: quoted.message,
      })
    }
    return {
      offers: buildOffers(offerContext),
      notice: {
        key: 'tmai-offer',
        info: { available: false, reason: quoted.reason, message: quoted.message },
      },
    }
  }

  /** A TMAI amount we quoted for this route earlier is honoured until that quote's window closes. */
  function honouredQuotes(accepted: PaymentRequirementsV2): Offer[] {
    const tmai = deps.network.tmai
    if (!deps.tmai || !tmai || accepted.asset.toLowerCase() !== tmai.address.toLowerCase()) return []
    if (!/^[0-9]{1,78}$/.test(accepted.amount)) return []
    const quote = deps.tmai.find(endpoint.path, BigInt(accepted.amount))
    const offer = quote ? offerFromQuote(offerContext, quote) : undefined
    return offer ? [offer] : []
  }

  return async function paymentRequired(c, next) {
    if (endpoint.requiresMarketData && !(await deps.market.hasData())) {
      throw new ApiError('marketDataUnavailable', 'no market data is loaded yet; nothing was charged', {
        hint: 'run `x402-analytics ingest --csv PATH` or set MARKET_DATA_CSV, then retry',
      })
    }
    const resource = resourceFor(c, endpoint, config, queryParams)
    const { offers, notice } = await offersFor(c)
    const refuse = (reason: string, message: string, options: Parameters<typeof challenge>[4] = {}) =>
      challenge(offers, resource, reason, message, { ...options, notice })
    const v2Header = c.req.header(PAYMENT_HEADER_V2)
    const v1Header = c.req.header(PAYMENT_HEADER_V1)
    if (!v2Header && !v1Header) {
      return refuse(Reason.paymentRequired, `this endpoint costs $${usdPrice}; pay with x402`)
    }

    const match: MatchResult = v2Header
      ? matchV2(v2Header, offers, config.maxPaymentHeaderBytes, (accepted) => honouredQuotes(accepted))
      : matchV1(v1Header!, offers, resource, config.maxPaymentHeaderBytes)
    if (!match.ok) {
      if (match.status === 400) {
        const kind =
          match.reason === Reason.paymentHeaderTooLarge ? 'paymentHeaderTooLarge' : 'invalidPayload'
        throw new ApiError(kind, match.message)
      }
      return refuse(match.reason, match.message)
    }
    const attempt = match.value

    // Bad parameters cost nothing: refuse them before touching the payment.
    const input = endpoint.parse(c.req.query())
    if (!input.ok) throw new ApiError('invalidParameter', input.message, { parameter: input.parameter })
    c.set('parsedInput', input.value)

    const key = idempotencyKeyOf(c, attempt)
    if (!key) return pay(c, next, attempt, refuse)
    const begun = await idempotency.begin(
      attempt.payer,
      key,
      requestFingerprint({
        method: c.req.method,
        path: c.req.path,
        query: requestKey(c),
        body: c.req.method === 'GET' ? '' : await c.req.text(),
        payer: attempt.payer,
      }),
    )
    if (begun.kind === 'conflict') {
      throw new ApiError(
        begun.reason === 'request_in_progress' ? 'requestInProgress' : 'idempotencyKeyReused',
        begun.reason === 'request_in_progress'
          ? 'a request with this idempotency key is still running; retry shortly'
          : 'this idempotency key was used for a different request',
      )
    }
    if (begun.kind === 'replay') {
      logger.info('idempotent replay; no new charge', { route: endpoint.path, payer: attempt.payer })
      return new Response(begun.response.body, {
        status: begun.response.status,
        headers: { ...begun.response.headers, 'Idempotent-Replayed': 'true' },
      })
    }
    let charged = false
    try {
      const returned = await pay(c, next, attempt, refuse)
      const res = returned ?? c.res
      charged = res.status < 400
      if (charged) {
        const headers: Record<string, string> = {}
        for (const name of REPLAYED_HEADERS) {
          const value = res.headers.get(name)
          if (value) headers[name] = value
        }
        await idempotency.complete(begun.key, { status: res.status, headers, body: await res.clone().text() })
      }
      return returned
    } finally {
      // Not charged (refused, failed, pending): the key is free again for a retry.
      if (!charged) await idempotency.forget(begun.key)
    }
  }

  /** Serves the request a settled-but-undelivered payment bought, at most once, with its settlement header. */
  async function redeem(
    c: Context<{ Variables: PaymentVariables }>,
    next: Next,
    attempt: PaymentAttempt,
    id: string,
    txHash: `0x${string}`,
  ): Promise<Response | undefined> {
    if (!(await ledger.claimDelivery(id))) {
      throw new ApiError('paymentInProgress', 'this payment is already being delivered to another request')
    }
    await next()
    if (c.res.status >= 400) {
      await ledger.unclaimDelivery(id)
      return undefined
    }
    c.res = paidResponse(await c.res.arrayBuffer(), c.res, attempt, txHash)
    logger.info('settled payment redeemed by its retry', { paymentId: id, route: endpoint.path, tx: txHash })
    return undefined
  }

  /** Reserve → spend limits → verify → handler → settle. Returns a Response, or undefined when c.res is final. */
  async function pay(
    c: Context<{ Variables: PaymentVariables }>,
    next: Next,
    attempt: PaymentAttempt,
    refuse: Refuse,
  ): Promise<Response | undefined> {
    const bought = requestKey(c)
    const reservation = await ledger.reserve(attempt, {
      method: c.req.method,
      route: endpoint.path,
      requestKey: bought,
    })
    if (!reservation.ok) {
      const existing = reservation.existing
      const sameRequest = existing?.requestKey === bought
      if (existing && sameRequest && existing.state === 'settled' && existing.deliveredAt === null) {
        // Paid on chain after its own request gave up (settlement pending): the retry gets what was paid for, once.
        return redeem(c, next, attempt, existing.id, existing.txHash as `0x${string}`)
      }
      if (existing && sameRequest && existing.state === 'pending') {
        return jsonResponse(
          503,
          {
            success: false,
            error: Reason.settlementPending,
            message:
              'this payment is still settling; retry the same request shortly. Do not pay again for it.',
            transaction: existing.txHash,
            paymentId: existing.id,
          },
          { 'Retry-After': '10', 'Cache-Control': 'no-store' },
        )
      }
      if (reservation.state === 'settled' || reservation.state === 'failed') {
        return refuse(Reason.nonceAlreadyUsed, 'this payment was already used')
      }
      throw new ApiError('paymentInProgress', 'this payment is already being processed by another request', {
        state: reservation.state,
      })
    }
    const id = reservation.id
    const log = {
      paymentId: id,
      route: endpoint.path,
      payer: attempt.payer,
      x402Version: attempt.x402Version,
    }

    const spend = await limiter.reserve({
      payer: attempt.payer,
      route: endpoint.path,
      usdMicros: attempt.offer.usdMicros,
    })
    if (!spend.ok) {
      await ledger.release(id, Reason.spendLimitExceeded)
      logger.info('spend limit exceeded', { ...log, limit: spend.limit })
      const retryAfter = spend.retryAfterSeconds ?? undefined
      return refuse(Reason.spendLimitExceeded, describeLimit(spend), {
        headers: retryAfter ? { 'Retry-After': String(retryAfter) } : {},
        extra: {
          limit: spend.limit,
          setBy: spend.setBy,
          capUsd: formatAtomic(BigInt(spend.capMicros), 6),
          remainingUsd: formatAtomic(BigInt(spend.remainingMicros), 6),
          resetsAt: spend.resetsAt === null ? null : new Date(spend.resetsAt * 1000).toISOString(),
        },
      })
    }
    const notCharged = async (reason: string) => {
      await ledger.release(id, reason)
      await limiter.release(spend.holds)
    }

    const verifyStarted = performance.now()
    let verified: Awaited<ReturnType<Facilitator['verify']>>
    try {
      verified = await facilitator.verify(attempt)
    } catch (error) {
      await notCharged(Reason.verificationUnavailable)
      if (error instanceof ChainUnavailableError || (error as Error).name === 'FacilitatorUnavailableError') {
        logger.error('payment verification unavailable', { ...log, error: (error as Error).message })
        throw new ApiError(
          'verificationUnavailable',
          'payment verification is unavailable right now; nothing was charged',
        )
      }
      throw error
    }
    const verifyMs = Math.round(performance.now() - verifyStarted)
    if (!verified.ok) {
      await notCharged(verified.reason)
      logger.info('payment rejected', { ...log, reason: verified.reason })
      if (verified.reason === Permit2Reason.allowanceRequired) {
        // Fixable once by the payer: 412 with instructions rather than a plain refusal.
        return refuse(verified.reason, permit2ApprovalHelp(attempt), { status: 412 })
      }
      return refuse(verified.reason, verified.message)
    }
    await ledger.markVerified(id, verifyMs)
    c.set('payment', {
      id,
      payer: attempt.payer,
      asset: attempt.offer.asset.symbol,
      amount: attempt.offer.amountAtomic.toString(),
    })

    const handlerStarted = performance.now()
    await next()
    const handlerMs = Math.round(performance.now() - handlerStarted)
    if (c.res.status >= 400) {
      await notCharged(`handler_status_${c.res.status}`)
      logger.info('handler failed; payment released', { ...log, status: c.res.status })
      return undefined
    }

    // Buffer the paid body before settling: it must not leave unless settlement succeeds.
    const paid = c.res
    const body = await paid.arrayBuffer()
    await ledger.markSettling(id, handlerMs)
    const settleStarted = performance.now()
    let outcome: Awaited<ReturnType<Facilitator['settle']>>
    try {
      outcome = await facilitator.settle(attempt, { onTxHash: (hash) => ledger.recordTxHash(id, hash) })
    } catch (error) {
      outcome = { status: 'pending', message: (error as Error).message }
    }
    const settleMs = Math.round(performance.now() - settleStarted)

    if (outcome.status === 'settled') {
      await ledger.markSettled(id, outcome.txHash, { settleMs, deliveredAt: Date.now() })
      logger.info('payment settled', { ...log, tx: outcome.txHash, verifyMs, handlerMs, settleMs })
      c.res = paidResponse(body, paid, attempt, outcome.txHash)
      return undefined
    }
    if (outcome.status === 'pending') {
      // Broadcast, outcome unknown: the spend stays counted until the reconciler decides.
      await ledger.markPending(id, outcome.message, outcome.txHash, { settleMs })
      logger.warn('settlement pending', { ...log, tx: outcome.txHash, reason: outcome.message })
      const header = settlementHeader(attempt, {
        success: false,
        errorReason: Reason.settlementPending,
        transaction: outcome.txHash ?? '',
      })
      c.res = jsonResponse(
        503,
        {
          success: false,
          error: Reason.settlementPending,
          message:
            'settlement was broadcast but not confirmed in time; it will be reconciled. Do not pay again for it.',
          transaction: outcome.txHash ?? null,
          paymentId: id,
        },
        { ...header, 'Retry-After': '10', 'Cache-Control': 'no-store' },
      )
      return undefined
    }
    await ledger.markFailed(id, outcome.reason, outcome.txHash, { settleMs })
    await limiter.release(spend.holds)
    logger.warn('settlement failed; paid body withheld', {
      ...log,
      reason: outcome.reason,
      tx: outcome.txHash,
    })
    const header = settlementHeader(attempt, {
      success: false,
      errorReason: outcome.reason,
      transaction: outcome.txHash ?? '',
    })
    c.res = refuse(outcome.reason, `settlement failed: ${outcome.message}`, {
      headers: header,
    })
    return undefined
  }
}

function describeLimit(decision: Extract<SpendDecision, { ok: false }>): string {
  const cap = formatAtomic(BigInt(decision.capMicros), 6)
  const left = formatAtomic(BigInt(decision.remainingMicros), 6)
  const names = {
    per_call: 'per-call',
    payer_hour: 'hourly',
    payer_day: 'daily',
    endpoint_day: 'endpoint daily',
  } as const
  const reset =
    decision.resetsAt === null ? '' : `; resets at ${new Date(decision.resetsAt * 1000).toISOString()}`
  return `${names[decision.limit]} spend limit of $${cap} (${decision.setBy.replace('_', ' ')}) reached: $${left} left${reset}; nothing was charged`
}

/** `Idempotency-Key` header, or the x402 v2 `payment-identifier` extension id. Malformed keys are a 400. */
function idempotencyKeyOf(c: Context, attempt: PaymentAttempt): string | undefined {
  const extensions = (
    attempt.wire.paymentPayload as { extensions?: Record<string, { info?: { id?: unknown } }> }
  ).extensions
  const fromExtension = extensions?.['payment-identifier']?.info?.id
  const key =
    c.req.header('Idempotency-Key') ?? (typeof fromExtension === 'string' ? fromExtension : undefined)
  if (key === undefined) return undefined
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError('invalidParameter', 'Idempotency-Key must be 16–128 characters of A-Z a-z 0-9 _ -', {
      parameter: 'Idempotency-Key',
    })
  }
  return key
}

type Notice = { key: string; info: Record<string, unknown> }
type Refuse = (reason: string, message: string, options?: Parameters<typeof challenge>[4]) => Response

function permit2ApprovalHelp(attempt: PaymentAttempt): string {
  return (
    `${attempt.payer} has not approved Permit2 (${CANONICAL.permit2}) to move its ${attempt.offer.asset.symbol}. ` +
    `Approve once — \`PAYER_PRIVATE_KEY=… x402-analytics permit2-approve --token ${attempt.offer.asset.symbol}\`, ` +
    `or call approve(${CANONICAL.permit2}, max) on ${attempt.offer.asset.address} — then retry; nothing was charged.`
  )
}
