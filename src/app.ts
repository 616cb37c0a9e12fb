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
import { createClientAddress, type SocketAddress } from './http/client-address'
import { ApiError, createErrorRenderer } from './http/errors'
import { registerPaymentQuoteRoute } from './http/routes/payment-quote'
import { registerSpendPolicyRoutes } from './http/routes/spend-policy'
import type { Logger } from './lib/logger'
import type { MarketStore } from './market-data/store'
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

/** What differs between runtimes, passed in by the entry (node.ts; a Worker later). */
export interface AppRuntime {
  /** The connection's peer address; combined with TRUST_PROXY into the client address. */
  socketAddress?: SocketAddress
}

/** Builds the HTTP app from its services: the same on Node and on Workers. */
export function createApp(
  services: Services,
  endpoints: readonly Endpoint[] = catalog,
  runtime: AppRuntime = {},
): Hono<AppEnv> {
  const { config, logger, market } = services
  const app = new Hono<AppEnv>()
  const cache = new ResultCache<object>()

  app.use(requestId())
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
      id: c.var.requestId,
      method: c.req.method,
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
  app.get('/health', (c) => c.json({ ok: true }))
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

  const clientAddress = createClientAddress({
    socketAddress: runtime.socketAddress,
    trustedProxies: config.trustProxy,
  })
  app.route(
    '/admin',
    createAdminRouter({ db: services.db, logger, pepper: config.adminKeyPepper, clientAddress }),
  )

  app.notFound((c) =>
    c.json({ success: false, error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404),
  )
  app.onError(createErrorRenderer(logger))
  return app
}
