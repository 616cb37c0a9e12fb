import { type Context, Hono } from 'hono'
import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import { requestId } from 'hono/request-id'
import { createAdminRouter } from './admin/router'
import { catalog } from './catalog'
import { ResultCache } from './catalog/result-cache'
import type { Endpoint } from './catalog/types'
import type { AppEnv, Services } from './http/app-env'
import { ApiError, createErrorRenderer } from './http/errors'
import { paymentGate } from './http/payment-gate'
import { registerPaymentQuoteRoute } from './http/routes/payment-quote'
import { registerSpendPolicyRoutes } from './http/routes/spend-policy'
import { urlLengthLimit } from './http/url-limit'

export type { AppEnv, Services } from './http/app-env'

/** Builds the HTTP app from its services: the same on Node and on Workers. */
export function createApp(services: Services, endpoints: readonly Endpoint[] = catalog): Hono<AppEnv> {
  const { config, logger, market } = services
  const app = new Hono<AppEnv>()
  const cache = new ResultCache(config.resultCacheMaxBytes)

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
  app.use(urlLengthLimit())

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
  registerPaymentQuoteRoute(app, { config, network: services.network, tmai: services.tmai })
  registerSpendPolicyRoutes(app, {
    db: services.db,
    limiter: services.limiter,
    chainId: services.network.chainId,
    client: services.client,
  })

  /** Checked once, before any 402: a route without data to sell neither asks for nor takes money. */
  const requireMarketData = createMiddleware<AppEnv>(async (_c, next) => {
    if (!(await market.hasData())) {
      throw new ApiError('marketDataUnavailable', 'no market data is loaded yet; nothing was charged', {
        hint: 'run `x402-analytics ingest --csv PATH` or set MARKET_DATA_CSV, then retry',
      })
    }
    await next()
  })

  for (const endpoint of endpoints) {
    const handler = async (c: Context<AppEnv>) => {
      let input = c.var.parsedInput
      if (input === undefined) {
        const parsed = endpoint.parse(c.req.query())
        if (!parsed.ok)
          throw new ApiError('invalidParameter', parsed.message, { parameter: parsed.parameter })
        input = parsed.value
      }
      const version = await market.version()
      const json = await cache.getOrCompute(ResultCache.key(endpoint.path, input, version), async () => {
        const result = await endpoint.run(input, { market, config })
        // A paid answer with nothing in it is not sold: 404, and the payment gate releases the payment.
        if (result.data.length === 0 && endpoint.tier !== 'free') {
          throw new ApiError(
            'noData',
            `nothing to return: ${result.message ?? 'no rows match this query'}; nothing was charged`,
            result.meta ?? {},
          )
        }
        return JSON.stringify({
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
        })
      })
      // The cache holds the body as sent: a hit costs no serialisation, and its size is what the bound counts.
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    }
    if (endpoint.requiresMarketData) app.use(endpoint.path, requireMarketData)
    if (endpoint.tier === 'free') app.get(endpoint.path, handler)
    else app.get(endpoint.path, paymentGate(endpoint, services), handler)
  }

  app.route(
    '/admin',
    createAdminRouter({ db: services.db, logger, pepper: config.adminKeyPepper, ...services.adminAccess }),
  )

  app.notFound((c) =>
    c.json({ success: false, error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404),
  )
  app.onError(createErrorRenderer(logger))
  return app
}
