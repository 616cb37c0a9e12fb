import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { requestId } from 'hono/request-id'
import type { Address, PublicClient } from 'viem'
import { createAdminRouter } from './admin/router'
import { catalog } from './catalog'
import { ResultCache } from './catalog/result-cache'
import type { Endpoint } from './catalog/types'
import type { Config } from './config/env'
import type { NetworkConfig } from './config/networks'
import type { Db } from './db/client'
import { ApiError, createErrorRenderer } from './http/errors'
import { registerPaymentQuoteRoute } from './http/routes/payment-quote'
import { registerSpendPolicyRoutes } from './http/routes/spend-policy'
import type { Logger } from './lib/logger'
import type { MarketStore } from './market-data/store'
import type { DashboardAssets } from './ops/dashboard'
import { observeRequests, routePattern } from './ops/http-metrics'
import { createPrometheusMetrics, type OpsMetrics } from './ops/metrics'
import { createReadiness } from './ops/readiness'
import { registerOpsRoutes } from './ops/routes'
import type { IdempotencyStore } from './payments/idempotency'
import type { Ledger } from './payments/ledger'
import type { SpendLimiter } from './payments/spend-limits'
import type { TmaiQuoteBook } from './pricing/tmai-offers'
import type { Facilitator } from './x402/facilitator'
import { type PaymentVariables, paymentGate } from './x402/middleware'

export interface Services {
  config: Config
  db: Db
  /** Read access to the chain (verification of payer-signed policies, smart wallets included). */
  client: PublicClient
  network: NetworkConfig
  payTo: Address
  market: MarketStore
  ledger: Ledger
  facilitator: Facilitator
  /** TMAI quotes (absent: TMAI is not offered). */
  tmai?: TmaiQuoteBook
  limiter: SpendLimiter
  idempotency: IdempotencyStore
  logger: Logger
}

type AppEnv = { Variables: PaymentVariables & { requestId: string } }

/** Runtime-specific pieces the entry hands the app (all optional: the app works without them). */
export interface AppOptions {
  /** The metrics behind /metrics; the payment core must record into the same object. Default: a fresh registry. */
  metrics?: OpsMetrics
  /** The dashboard's files (Node: loadDashboardAssets()); without them /dashboard answers 404. */
  dashboard?: DashboardAssets
  /** Runs each request inside a scope, so every log line written meanwhile carries its id (Node: AsyncLocalStorage). */
  requestScope?: (fields: { requestId: string }, run: () => Promise<void>) => Promise<void>
  /** True once shutdown began: /ready answers 503 so load balancers stop sending traffic. */
  draining?: () => boolean
}

/** Builds the HTTP app from its services: the same on Node and on Workers. */
export function createApp(
  services: Services,
  endpoints: readonly Endpoint[] = catalog,
  options: AppOptions = {},
): Hono<AppEnv> {
  const { config, logger, market } = services
  const app = new Hono<AppEnv>()
  const cache = new ResultCache<object>()
  const metrics = options.metrics ?? createPrometheusMetrics({ db: services.db, logger })

  app.use(requestId())
  const { requestScope } = options
  if (requestScope) app.use((c, next) => requestScope({ requestId: c.var.requestId }, next))
  app.use(observeRequests(metrics))
  app.use(
    cors({
      origin: '*',
      allowHeaders: [
        'Content-Type',
        'X-PAYMENT',
        'PAYMENT-SIGNATURE',
        'Access-Control-Expose-Headers',
        'Idempotency-Key',
      ],
      exposeHeaders: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE', 'X-Request-Id'],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
    }),
  )
  app.use(async function accessLog(c, next) {
    const started = performance.now()
    await next()
    logger.info('request', {
      requestId: c.var.requestId,
      method: c.req.method,
      route: routePattern(c),
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
      payer: c.var.payment?.payer,
    })
  })

  app.get('/', (c) =>
    c.json({
      name: 'x402-analytics',
      network: config.network,
      chainId: services.network.chainId,
      payTo: services.payTo,
      endpoints: endpoints.map((e) => ({
        path: e.path,
        tier: e.tier,
        priceUsd: e.tier === 'free' ? '0' : config.tierPricesUsd[e.tier],
        summary: e.summary,
      })),
    }),
  )
  registerOpsRoutes(app as unknown as Hono, {
    db: services.db,
    logger,
    pepper: config.adminKeyPepper,
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
  registerPaymentQuoteRoute(app as unknown as Hono, {
    config,
    network: services.network,
    tmai: services.tmai,
  })
  registerSpendPolicyRoutes(app as unknown as Hono, {
    db: services.db,
    limiter: services.limiter,
    chainId: services.network.chainId,
    client: services.client,
  })

  for (const endpoint of endpoints) {
    const handler = async (c: import('hono').Context<AppEnv>) => {
      if (endpoint.requiresMarketData && !(await market.hasData())) {
        throw new ApiError('marketDataUnavailable', 'no market data is loaded yet', {
          hint: 'run `x402-analytics ingest --csv PATH` or set MARKET_DATA_CSV, then retry',
        })
      }
      let input = c.var.parsedInput
      if (input === undefined) {
        const parsed = endpoint.parse(c.req.query())
        if (!parsed.ok)
          throw new ApiError('invalidParameter', parsed.message, { parameter: parsed.parameter })
        input = parsed.value
      }
      const version = await market.version()
      const body = await cache.getOrCompute(ResultCache.key(endpoint.path, input, version), async () => {
        const result = await endpoint.run(input, { market, config })
        return {
          success: true,
          message: result.message ?? 'ok',
          length: result.data.length,
          data: result.data,
          meta: {
            asOf: await market.asOf(),
            source: await market.source(),
            ...(endpoint.methodology ? { methodology: endpoint.methodology } : {}),
            ...result.meta,
          },
        }
      })
      return c.json(body)
    }
    if (endpoint.tier === 'free') app.get(endpoint.path, handler)
    else app.get(endpoint.path, paymentGate(endpoint, services), handler)
  }

  app.route(
    '/admin',
    createAdminRouter({
      db: services.db,
      logger,
      pepper: config.adminKeyPepper,
      maxDataAgeSeconds: config.ops.readyMaxDataAgeSeconds,
    }),
  )

  app.notFound((c) =>
    c.json({ success: false, error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404),
  )
  app.onError(createErrorRenderer(logger))
  return app
}
