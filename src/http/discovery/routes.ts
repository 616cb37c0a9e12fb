import type { Context, Hono } from 'hono'
import { toolNameOf } from '../../catalog/json-schema'
import type { Endpoint } from '../../catalog/types'
import type { Config } from '../../config/env'
import type { NetworkConfig } from '../../config/networks'
import { formatAtomic, usdMicros } from '../../lib/money'
import type { AppEnv } from '../app-env'
import { createPublicOrigin } from '../public-origin'
import { FAVICON_ICO } from './favicon'
import { buildLlmsTxt } from './llms-txt'
import { buildOpenApi, withServer } from './openapi'
import { PUBLIC_ROUTES } from './public-routes'

export interface DiscoveryDeps {
  config: Pick<Config, 'publicUrl' | 'port' | 'network' | 'tmai'>
  network: NetworkConfig
  payTo: string
  endpoints: readonly Endpoint[]
  priceOf: (endpoint: Endpoint) => string | null
  /** Whether TMAI can be offered at all on this deployment. */
  tmaiOffered: boolean
}

/** The API's semantic version as documents show it. */
export const API_VERSION = '0.1.0'

/** How long the discovery documents may be cached (they change with the configuration only). */
const DOCUMENT_MAX_AGE_SECONDS = 300

/**
 * The documents agents and directories read before paying, all projected from the catalog and the tier table:
 * `GET /` (every route with links), `/openapi.json`, `/.well-known/x402`, `/llms.txt` and a favicon.
 */
export function registerDiscoveryRoutes(app: Hono<AppEnv>, deps: DiscoveryDeps): void {
  const { endpoints, priceOf } = deps
  const openApi = buildOpenApi({ endpoints, priceOf, version: API_VERSION, network: deps.network.caip2 })
  const paid = endpoints.filter((e) => priceOf(e) !== null)
  const publicOrigin = createPublicOrigin(deps.config)
  /**
   * The base URL of this request's document, with its caching headers: shared caches may keep a document built from
   * PUBLIC_URL; one built from the request (devnet) is private and varies by Host, so no cache serves it elsewhere.
   */
  const base = (c: Context) => {
    const { origin, fromRequest } = publicOrigin(new URL(c.req.url).origin)
    c.header('Cache-Control', `${fromRequest ? 'private' : 'public'}, max-age=${DOCUMENT_MAX_AGE_SECONDS}`)
    if (fromRequest) c.header('Vary', 'Host', { append: true })
    return origin
  }
  const tmaiDiscountPercent = deps.tmaiOffered
    ? formatAtomic(usdMicros(deps.config.tmai.discount) * 100n, 6)
    : undefined

  app.get('/', (c) => {
    const url = base(c)
    return c.json({
      name: 'x402-analytics',
      description:
        'Pay-per-call crypto analytics over x402 (USDC, or TMAI at a discount); no account, no API key.',
      network: deps.config.network,
      chainId: deps.network.chainId,
      payTo: deps.payTo,
      links: {
        openapi: `${url}/openapi.json`,
        llmsTxt: `${url}/llms.txt`,
        x402: `${url}/.well-known/x402`,
        mcp: `${url}/mcp`,
        paymentQuote: `${url}/v1/payment-quote`,
      },
      endpoints: endpoints.map((e) => ({
        path: e.path,
        method: 'GET',
        tier: e.tier,
        priceUsd: priceOf(e) ?? '0',
        summary: e.summary,
        tool: toolNameOf(e),
        url: `${url}${e.path}`,
        example: `${url}${e.path}?${new URLSearchParams(e.examples.ok)}`,
      })),
      routes: PUBLIC_ROUTES.map((r) => ({
        method: r.method,
        path: r.path,
        priceUsd: '0',
        summary: r.summary,
        url: `${url}${r.path}`,
      })),
    })
  })

  app.get('/openapi.json', (c) => c.json(withServer(openApi, base(c))))

  app.get('/.well-known/x402', (c) => {
    const url = base(c)
    return c.json({ version: 1, resources: paid.map((e) => `${url}${e.path}`) })
  })

  app.get('/llms.txt', (c) =>
    c.text(
      buildLlmsTxt({
        endpoints,
        priceOf,
        baseUrl: base(c),
        network: deps.network.caip2,
        tmaiDiscountPercent,
      }),
      200,
      { 'Content-Type': 'text/plain; charset=utf-8' },
    ),
  )

  app.get('/favicon.ico', (c) =>
    c.body(FAVICON_ICO as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'image/x-icon',
      'Cache-Control': 'public, max-age=86400',
    }),
  )
}
