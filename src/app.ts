import { type Context, Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import { createAdminKeyGuard, createAdminRouter } from './admin/router'
import { catalog } from './catalog'
import { createEndpointAnswers } from './catalog/answer'
import { bazaarDiscovery } from './catalog/bazaar'
import { createExampleOutputs } from './catalog/examples'
import { ResultCache } from './catalog/result-cache'
import type { Endpoint } from './catalog/types'
import { accessLog } from './http/access-log'
import type { AppEnv } from './http/app-env'
import { createClientAddress, type SocketAddress } from './http/client-address'
import { commonHeaders } from './http/common-headers'
import { corsPreflight } from './http/cors'
import { API_VERSION, registerDiscoveryRoutes } from './http/discovery/routes'
import { createErrorRenderer } from './http/error-renderer'
import { observeRequests } from './http/observe-requests'
import { paymentGate } from './http/payment-gate'
import { requestId } from './http/request-id'
import { registerPaymentQuoteRoute } from './http/routes/payment-quote'
import { registerSpendPolicyRoutes } from './http/routes/spend-policy'
import { urlLengthLimit } from './http/url-limit'
import { ApiError } from './lib/errors'
import { registerMcpRoute } from './mcp/route'
import type { DashboardAssets } from './ops/dashboard'
import { createPrometheusMetrics, type OpsMetrics } from './ops/metrics'
import { createReadiness } from './ops/readiness'
import { registerOpsRoutes } from './ops/routes'
import { createPricedRoutes } from './paid/priced-routes'
import { writeOffUnpaid } from './payments/write-off'
import { usdPriceOf } from './pricing/tiers'
import type { Services } from './services'

/** What differs between runtimes, passed in by the entry (node.ts; a Worker later). All optional. */
export interface AppOptions {
  /** The connection's peer address; combined with TRUST_PROXY into the client address. */
  socketAddress?: SocketAddress
  /** The metrics behind /metrics; the payment core records into the same object. Default: a fresh registry. */
  metrics?: OpsMetrics
  /** The dashboard's files (Node: loadDashboardAssets()); without them /dashboard answers 404. */
  dashboard?: DashboardAssets
  /** Runs each request inside a scope, so every log line written meanwhile carries its id (Node: AsyncLocalStorage). */
  requestScope?: (fields: { requestId: string }, run: () => Promise<void>) => Promise<void>
  /** True once shutdown began: /ready answers 503 so load balancers stop sending traffic. */
  draining?: () => boolean
}

/** How long a positive "market data is loaded" answer is trusted before the store is asked again. */
const MARKET_DATA_CHECK_MS = 1_000

/** Builds the HTTP app from its services: the same on Node and on Workers. */
export function createApp(
  services: Services,
  endpoints: readonly Endpoint[] = catalog,
  options: AppOptions = {},
): Hono<AppEnv> {
  const { config, logger, market } = services
  const app = new Hono<AppEnv>()
  const cache = new ResultCache(config.resultCacheMaxBytes)
  const metrics = options.metrics ?? createPrometheusMetrics({ db: services.db, logger })

  const answer = createEndpointAnswers({ market, config, cache })
  const examples = createExampleOutputs({ answer, market })
  const pricedRoutes = createPricedRoutes({ config, discovery: bazaarDiscovery(examples) })
  const priceOf = (endpoint: Endpoint) => usdPriceOf(config, endpoint)

  app.use(requestId())
  const { requestScope } = options
  if (requestScope) app.use((c, next) => requestScope({ requestId: c.get('requestId') }, next))
  app.use(observeRequests(metrics))
  app.use(corsPreflight())
  app.use(commonHeaders())
  app.use(accessLog({ logger, challengeSampleEvery: config.accessLogChallengeSample }))
  app.use(urlLengthLimit())

  registerDiscoveryRoutes(app, {
    config,
    network: services.network,
    payTo: services.payTo,
    endpoints,
    priceOf,
    tmaiOffered: services.tmai !== undefined,
  })
  registerMcpRoute(app, {
    endpoints,
    priceOf,
    routeOf: pricedRoutes.mcp,
    answer,
    market,
    paid: services.paid,
    logger,
    version: API_VERSION,
  })
  const clientAddress = createClientAddress({
    socketAddress: options.socketAddress,
    trustedProxies: config.trustProxy,
  })
  registerOpsRoutes(app, {
    metricsAccess: createAdminKeyGuard(
      { db: services.db, logger, pepper: config.adminKeyPepper, clientAddress },
      'read',
    ),
    metrics,
    readiness: createReadiness({
      db: services.db,
      chain: services.client,
      network: services.network,
      timeoutMs: config.ops.readyCheckTimeoutMs,
      maxDataAgeSeconds: config.ops.readyMaxDataAgeSeconds,
      draining: options.draining,
    }),
    dashboard: options.dashboard,
  })
  registerPaymentQuoteRoute(app, { config, network: services.network, tmai: services.tmai })
  registerSpendPolicyRoutes(app, {
    db: services.db,
    limiter: services.limiter,
    chainId: services.network.chainId,
    client: services.client,
  })

  /**
   * Checked before any 402: a route without data to sell neither asks for nor takes money. Data once loaded is not
   * re-confirmed on every request (a database read each time) but at most every MARKET_DATA_CHECK_MS.
   */
  let dataSeenAt = Number.NEGATIVE_INFINITY
  const requireMarketData = createMiddleware<AppEnv>(async (_c, next) => {
    const now = performance.now()
    if (now - dataSeenAt < MARKET_DATA_CHECK_MS) return next()
    if (await market.hasData()) dataSeenAt = now
    else {
      throw new ApiError('marketDataUnavailable', 'no market data is loaded yet; nothing was charged', {
        hint: 'run `x402-analytics ingest --csv PATH` or set MARKET_DATA_CSV, then retry',
      })
    }
    await next()
  })

  for (const endpoint of endpoints) {
    const handler = async (c: Context<AppEnv>) => {
      let input = c.get('parsedInput')
      if (input === undefined) {
        const parsed = endpoint.parse(c.req.query())
        if (!parsed.ok)
          throw new ApiError('invalidParameter', parsed.message, { parameter: parsed.parameter })
        input = parsed.value
      }
      const json = await answer(endpoint, input)
      // The cache holds the body as sent: a hit costs no serialisation, and its size is what the bound counts.
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    }
    if (endpoint.requiresMarketData) app.use(endpoint.path, requireMarketData)
    if (endpoint.tier === 'free') app.get(endpoint.path, handler)
    else app.get(endpoint.path, paymentGate(endpoint, { ...services, routeOf: pricedRoutes.http }), handler)
  }

  app.route(
    '/admin',
    createAdminRouter({
      db: services.db,
      logger,
      pepper: config.adminKeyPepper,
      clientAddress,
      maxDataAgeSeconds: config.ops.readyMaxDataAgeSeconds,
      createRateLimiter: services.adminAccess?.createRateLimiter,
      writeOff: (id) =>
        writeOffUnpaid(
          {
            ...services,
            nowSeconds: () => Math.floor(Date.now() / 1000),
            clockSkewSeconds: config.clockSkewSeconds,
          },
          id,
        ),
    }),
  )

  app.notFound((c) =>
    c.json({ success: false, error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404),
  )
  app.onError(createErrorRenderer(logger))
  return app
}
