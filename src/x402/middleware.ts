import type { Context, MiddlewareHandler } from 'hono'
import type { Address } from 'viem'
import type { Endpoint } from '../catalog/types'
import { ChainUnavailableError } from '../chain/errors'
import type { Config } from '../config/env'
import type { NetworkConfig } from '../config/networks'
import { ApiError } from '../http/errors'
import type { Logger } from '../lib/logger'
import type { MarketStore } from '../market-data/store'
import type { Ledger } from '../payments/ledger'
import { tierPriceUsd } from '../pricing/tiers'
import { encodeHeader } from './codec'
import type { Facilitator } from './facilitator'
import { type MatchResult, matchV1, matchV2, type PaymentAttempt } from './match'
import {
  buildOffers,
  type Offer,
  paymentRequiredV1,
  paymentRequiredV2,
  type ResourceDescription,
} from './offers'
import { Reason } from './reasons'
import type { SettlementResponse } from './schemas'

export interface PaymentGateDeps {
  config: Config
  network: NetworkConfig
  payTo: Address
  market: MarketStore
  ledger: Ledger
  facilitator: Facilitator
  logger: Logger
}

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

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=UTF-8', ...headers },
  })
}

/** The 402: v1 body and v2 `PAYMENT-REQUIRED` header, the same offers in both. */
function challenge(
  offers: Offer[],
  resource: ResourceDescription,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const v2 = paymentRequiredV2(
    offers,
    resource,
    reason === Reason.paymentRequired ? 'Payment required' : reason,
  )
  const body = { ...paymentRequiredV1(offers, resource, reason), message }
  return jsonResponse(402, body, {
    ...headers,
    'PAYMENT-REQUIRED': encodeHeader(v2),
    'Cache-Control': 'no-store',
  })
}

function settlementHeader(attempt: PaymentAttempt, response: SettlementResponse): Record<string, string> {
  return { [attempt.x402Version === 1 ? 'X-PAYMENT-RESPONSE' : 'PAYMENT-RESPONSE']: encodeHeader(response) }
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
  const { config, ledger, facilitator, logger } = deps
  const queryParams = queryParamsOf(endpoint)
  const offers = buildOffers({
    network: deps.network,
    payTo: deps.payTo,
    usdPrice,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
  })

  return async function paymentRequired(c, next) {
    if (endpoint.requiresMarketData && !(await deps.market.hasData())) {
      throw new ApiError('marketDataUnavailable', 'no market data is loaded yet; nothing was charged', {
        hint: 'run `x402-analytics ingest --csv PATH` or set MARKET_DATA_CSV, then retry',
      })
    }
    const resource = resourceFor(c, endpoint, config, queryParams)
    const v2Header = c.req.header(PAYMENT_HEADER_V2)
    const v1Header = c.req.header(PAYMENT_HEADER_V1)
    if (!v2Header && !v1Header) {
      return challenge(
        offers,
        resource,
        Reason.paymentRequired,
        `this endpoint costs $${usdPrice}; pay with x402`,
      )
    }

    const match: MatchResult = v2Header
      ? matchV2(v2Header, offers, config.maxPaymentHeaderBytes)
      : matchV1(v1Header!, offers, resource, config.maxPaymentHeaderBytes)
    if (!match.ok) {
      if (match.status === 400) {
        const kind =
          match.reason === Reason.paymentHeaderTooLarge ? 'paymentHeaderTooLarge' : 'invalidPayload'
        throw new ApiError(kind, match.message)
      }
      return challenge(offers, resource, match.reason, match.message)
    }
    const attempt = match.value

    // Bad parameters cost nothing: refuse them before touching the payment.
    const input = endpoint.parse(c.req.query())
    if (!input.ok) throw new ApiError('invalidParameter', input.message, { parameter: input.parameter })
    c.set('parsedInput', input.value)

    const reservation = await ledger.reserve(attempt, {
      method: c.req.method,
      route: endpoint.path,
      requestKey: requestKey(c),
    })
    if (!reservation.ok) {
      if (reservation.state === 'settled' || reservation.state === 'failed') {
        return challenge(offers, resource, Reason.nonceAlreadyUsed, 'this payment was already used')
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

    const verifyStarted = performance.now()
    let verified: Awaited<ReturnType<Facilitator['verify']>>
    try {
      verified = await facilitator.verify(attempt)
    } catch (error) {
      await ledger.release(id, Reason.verificationUnavailable)
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
      await ledger.release(id, verified.reason)
      logger.info('payment rejected', { ...log, reason: verified.reason })
      return challenge(offers, resource, verified.reason, verified.message)
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
      await ledger.release(id, `handler_status_${c.res.status}`)
      logger.info('handler failed; payment released', { ...log, status: c.res.status })
      return
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
    const network = attempt.x402Version === 1 ? attempt.offer.network.v1Name : attempt.offer.network.caip2

    if (outcome.status === 'settled') {
      await ledger.markSettled(id, outcome.txHash, { settleMs })
      logger.info('payment settled', { ...log, tx: outcome.txHash, verifyMs, handlerMs, settleMs })
      const headers = new Headers(paid.headers)
      for (const [k, v] of Object.entries(
        settlementHeader(attempt, {
          success: true,
          transaction: outcome.txHash,
          network,
          payer: attempt.payer,
        }),
      )) {
        headers.set(k, v)
      }
      headers.set('Cache-Control', 'private, no-store')
      c.res = new Response(body, { status: paid.status, headers })
      return
    }
    if (outcome.status === 'pending') {
      await ledger.markPending(id, outcome.message, outcome.txHash, { settleMs })
      logger.warn('settlement pending', { ...log, tx: outcome.txHash, reason: outcome.message })
      const header = settlementHeader(attempt, {
        success: false,
        errorReason: Reason.settlementPending,
        transaction: outcome.txHash ?? '',
        network,
        payer: attempt.payer,
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
      return
    }
    await ledger.markFailed(id, outcome.reason, outcome.txHash, { settleMs })
    logger.warn('settlement failed; paid body withheld', {
      ...log,
      reason: outcome.reason,
      tx: outcome.txHash,
    })
    const header = settlementHeader(attempt, {
      success: false,
      errorReason: outcome.reason,
      transaction: outcome.txHash ?? '',
      network,
      payer: attempt.payer,
    })
    c.res = challenge(offers, resource, outcome.reason, `settlement failed: ${outcome.message}`, header)
  }
}
