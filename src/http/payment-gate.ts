import type { Context, MiddlewareHandler } from 'hono'
import { accepts } from 'hono/accepts'
import type { Endpoint } from '../catalog/types'
import type { Config } from '../config/env'
import type { PaidRequestCore } from '../paid/core'
import { RETRY_AFTER_PENDING_SECONDS } from '../paid/refusals'
import type { BeginOutcome, CompleteOutcome, PaidRequestInput, PricedRoute } from '../paid/types'
import type { IncomingPayment } from '../x402/match'
import type { AppEnv } from './app-env'
import { commonHeadersOf, withCommonHeaders } from './common-headers'
import { createPublicOrigin } from './public-origin'
import {
  challengePageResponse,
  challengeResponse,
  paidResponse,
  pendingResponse,
  refusalResponse,
  replayResponse,
} from './x402-responses'

/** Origin, path and raw query of an absolute, normalised URL (what `new URL` would give, without building one). */
export function splitUrl(url: string): { origin: string; path: string; query: string } {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2)
  if (pathStart === -1) return { origin: url, path: '/', query: '' }
  const queryStart = url.indexOf('?', pathStart)
  return queryStart === -1
    ? { origin: url.slice(0, pathStart), path: url.slice(pathStart), query: '' }
    : {
        origin: url.slice(0, pathStart),
        path: url.slice(pathStart, queryStart),
        query: url.slice(queryStart + 1),
      }
}

function incomingPayment(v2: string | undefined, v1: string | undefined): IncomingPayment | undefined {
  if (v2 !== undefined) return { version: 2, header: v2 }
  if (v1 !== undefined) return { version: 1, header: v1 }
  return undefined
}

const preferenceOf = (header: string | undefined) => {
  const value = header?.trim().toLowerCase()
  return value === 'usdc' || value === 'tmai' ? value : undefined
}

/** A browser (its `Accept` prefers HTML to JSON) gets the 402 as a page; API clients get JSON. */
const prefersHtml = (c: Context) =>
  accepts(c, {
    header: 'Accept',
    supports: ['application/json', 'text/html'],
    default: 'application/json',
  }) === 'text/html'

/** `Vary: Host` on answers whose resource URL came from the request's Host (the devnet without PUBLIC_URL). */
const VARY_HOST = { Vary: 'Host' }

/** Renders what `begin` decided when it is not "serve". */
function beginResponse(
  outcome: Exclude<BeginOutcome, { kind: 'serve' }>,
  html: boolean,
  common: Record<string, string>,
  hostVaries: boolean,
): Response {
  const vary = hostVaries ? VARY_HOST : {}
  switch (outcome.kind) {
    case 'challenge':
      return html
        ? challengePageResponse(outcome.challenge, outcome.message, { varyHost: hostVaries })
        : // The hot path: the answer is built complete, so no later middleware touches its headers.
          withCommonHeaders(
            challengeResponse(outcome.challenge, {
              status: 402,
              message: outcome.message,
              headers: { ...common, ...vary },
            }),
          )
    case 'refusal':
      return refusalResponse(outcome.refusal, vary)
    case 'replay':
      return replayResponse(outcome.response)
    case 'pending':
      return pendingResponse(outcome.pending, RETRY_AFTER_PENDING_SECONDS)
  }
}

/** Renders what `complete` decided, given the handler's buffered answer. */
function completeResponse(
  outcome: CompleteOutcome,
  handler: Response,
  body: string,
  hostVaries: boolean,
): Response {
  switch (outcome.kind) {
    case 'settled':
    case 'served':
      return paidResponse(body, handler, outcome.settlement)
    case 'released':
    case 'undelivered':
      return new Response(body, { status: handler.status, headers: handler.headers })
    case 'pending':
      return pendingResponse(outcome.pending, RETRY_AFTER_PENDING_SECONDS)
    case 'failed':
      return refusalResponse(outcome.refusal, hostVaries ? VARY_HOST : {})
  }
}

/**
 * Hono glue for one paid catalog endpoint: reads the request into plain data, asks the paid-request core, runs the
 * handler only when the core says "serve", and renders the outcome. The flow itself lives in src/paid/.
 */
export function paymentGate(
  endpoint: Endpoint,
  deps: {
    config: Pick<Config, 'publicUrl' | 'port'>
    paid: Pick<PaidRequestCore, 'begin' | 'complete'>
    /** The priced route with its discovery metadata (`paid`: the request carries a payment). */
    routeOf: (endpoint: Endpoint, paid: boolean) => Promise<PricedRoute>
  },
): MiddlewareHandler<AppEnv> {
  const publicOrigin = createPublicOrigin(deps.config)

  return async function paymentGate(c, next) {
    // The adapter's URL is already normalised (WHATWG), so its parts are sliced out, not re-parsed.
    const { origin: requestOrigin, path, query } = splitUrl(c.req.url)
    const { origin, fromRequest } = publicOrigin(requestOrigin)
    const payment = incomingPayment(c.req.header('PAYMENT-SIGNATURE'), c.req.header('X-PAYMENT'))
    // Without a payment the answer is the 402 whatever the parameters say (so crawlers see prices); parse them only
    // when it matters.
    const parsed = payment ? endpoint.parse(c.req.query()) : undefined
    if (parsed?.ok) c.set('parsedInput', parsed.value)
    const input: PaidRequestInput = {
      route: await deps.routeOf(endpoint, payment !== undefined),
      transport: 'http',
      resourceUrl: `${origin}${path}${query ? `?${query}` : ''}`,
      payment,
      tokenPreference: preferenceOf(c.req.header('x-payment-token')),
      idempotencyKey: c.req.header('Idempotency-Key'),
      input:
        !parsed || parsed.ok
          ? { ok: true }
          : { ok: false, parameter: parsed.parameter, message: parsed.message },
      request: {
        method: c.req.method,
        path,
        query,
        body: c.req.method === 'GET' ? '' : await c.req.text(),
      },
    }
    const begun = await deps.paid.begin(input)
    if (begun.kind !== 'serve') return beginResponse(begun, prefersHtml(c), commonHeadersOf(c), fromRequest)

    c.set('payment', begun.handle.payment)
    await next()
    // Buffered: the paid body must not leave unless settlement succeeds.
    const handler = c.res
    const body = await handler.text()
    const done = await deps.paid.complete(begun.handle, {
      status: handler.status,
      body,
      contentType: handler.headers.get('content-type') ?? 'application/json',
    })
    c.res = completeResponse(done, handler, body, fromRequest)
  }
}
