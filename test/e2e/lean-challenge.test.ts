/**
 * The lean 402 path (cached challenge templates, URL spliced in, quote computed once per reading) must answer with
 * exactly the bytes the straightforward builders give: the v1 body and the v2 PAYMENT-REQUIRED header, for every
 * route tier, token preference, TMAI availability, rate change and refusal.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import { createEndpointAnswers } from '../../src/catalog/answer'
import { bazaarDiscovery } from '../../src/catalog/bazaar'
import { createExampleOutputs } from '../../src/catalog/examples'
import { ResultCache } from '../../src/catalog/result-cache'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { createPricedRoutes } from '../../src/paid/priced-routes'
import { quoteTokenAmount } from '../../src/pricing/quote'
import type { TmaiRateResult } from '../../src/pricing/tmai-offers'
import { discountedUsdMicros } from '../../src/pricing/tmai-offers'
import { encodeHeader } from '../../src/x402/codec'
import { buildOffers, paymentRequiredV1, paymentRequiredV2 } from '../../src/x402/offers'
import { createTestContext } from '../helpers/context'

const network = NETWORKS.devnet
const payTo = devnetAccount(0).address
const PRICES = { tier1: '0.017', tier2: '0.034', tier3: '0.068' } as const

type Context = Awaited<ReturnType<typeof createTestContext>>

/**
 * The 402 as the builders give it, serialised directly (what every request did before the templates), for the priced
 * route (discovery metadata included) the app builds from the same data.
 */
async function reference(
  ctx: Context,
  args: {
    path: string
    url: string
    preference?: 'usdc' | 'tmai'
    rate?: string
    notice?: { reason: string; message: string }
  },
) {
  const endpoint = catalog.find((e) => e.path === args.path)!
  if (endpoint.tier === 'free') throw new Error('free route')
  const usdPrice = PRICES[endpoint.tier]
  const { market, config } = ctx.services
  const answer = createEndpointAnswers({ market, config, cache: new ResultCache() })
  const routes = createPricedRoutes({
    config,
    discovery: bazaarDiscovery(createExampleOutputs({ answer, market })),
  })
  const route = await routes.http(endpoint, false)
  const offerContext = { network, payTo, usdPrice, maxTimeoutSeconds: 120 }
  const tmai =
    args.rate && args.preference !== 'usdc'
      ? {
          route: route.path,
          amountAtomic: quoteTokenAmount({ usdPrice, discount: '0.10', tokenUsd: args.rate, decimals: 18 }),
          usdMicros: discountedUsdMicros(usdPrice, '0.10'),
          discount: '0.10',
          rateUsd: args.rate,
          source: 'fixed',
          observedAt: 0,
          expiresAt: 0,
        }
      : undefined
  const offers = buildOffers(offerContext, { tmai, preference: args.notice ? undefined : args.preference })
  const resource = {
    url: args.url,
    description: route.description,
    mimeType: route.mimeType,
    outputSchema: route.outputSchema,
  }
  const notice = args.notice
    ? {
        key: 'tmai-offer',
        info: { available: false, reason: args.notice.reason, message: args.notice.message },
      }
    : undefined
  const v1 = paymentRequiredV1(offers, { resource, error: 'payment_required' })
  const v2 = paymentRequiredV2(offers, {
    resource,
    error: 'Payment required',
    extensions: { ...route.extensions, ...(notice ? { [notice.key]: { info: notice.info } } : {}) },
  })
  const message = `this endpoint costs $${usdPrice}; pay with x402`
  return {
    body: JSON.stringify({ ...v1, message, ...(notice ? { notices: { [notice.key]: notice.info } } : {}) }),
    header: encodeHeader(v2),
  }
}

let rate: TmaiRateResult = { ok: true, usd: '0.0007', observedAt: Date.now(), source: 'fixed' }
const feed = { current: async () => rate }
let close: (() => void) | undefined
afterEach(() => close?.())

async function app() {
  const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', tmaiFeed: feed })
  close = ctx.close
  return ctx
}

async function challenge(
  request: (path: string, init?: RequestInit) => Response | Promise<Response>,
  url: string,
  preference?: 'usdc' | 'tmai',
) {
  const res = await request(url, preference ? { headers: { 'x-payment-token': preference } } : undefined)
  expect(res.status).toBe(402)
  return { body: await res.text(), header: res.headers.get('PAYMENT-REQUIRED') }
}

describe('the lean 402 is byte for byte the 402 the builders give', () => {
  const urls = [
    'http://localhost/v1/daily-ohlcv?symbol=ETH',
    'http://localhost/v1/daily-ohlcv?symbol=BTC,ETH,SOL&limit=30&startDate=2026-01-01',
    'http://localhost/v1/daily-ohlcv',
    'http://localhost/v1/daily-ohlcv?symbol=%22quoted%22%20name&x=Z%C3%BCrich',
    'http://localhost/v1/correlation?symbol=BTC&days=365',
    'http://localhost/v1/market-metrics?limit=2',
  ]

  it('for every URL and token preference, asked repeatedly (the cached path) and once (the first build)', async () => {
    rate = { ok: true, usd: '0.0007', observedAt: Date.now(), source: 'fixed' }
    const a = await app()
    for (const preference of [undefined, 'usdc', 'tmai'] as const) {
      for (const url of urls) {
        const expected = await reference(a, { path: new URL(url).pathname, url, preference, rate: '0.0007' })
        for (let i = 0; i < 3; i++) expect(await challenge(a.app.request, url, preference)).toEqual(expected)
      }
    }
  })

  it('a new TMAI rate gives the new amount at once, and no TMAI rate gives USDC with the notice', async () => {
    rate = { ok: true, usd: '0.0007', observedAt: Date.now(), source: 'fixed' }
    const a = await app()
    const url = urls[0]!
    expect(await challenge(a.app.request, url)).toEqual(
      await reference(a, { path: '/v1/daily-ohlcv', url, rate: '0.0007' }),
    )
    rate = { ok: true, usd: '0.00071', observedAt: Date.now(), source: 'fixed' }
    expect(await challenge(a.app.request, url)).toEqual(
      await reference(a, { path: '/v1/daily-ohlcv', url, rate: '0.00071' }),
    )
    rate = { ok: false, reason: 'stale', message: 'fixed price 0.0007 is 400 s old (limit 300 s)' }
    expect(await challenge(a.app.request, url, 'tmai')).toEqual(
      await reference(a, {
        path: '/v1/daily-ohlcv',
        url,
        notice: { reason: 'stale', message: rate.message },
      }),
    )
  })

  it('a refusal challenge (terms that are not ours) carries the same offers as the plain 402', async () => {
    rate = { ok: true, usd: '0.0007', observedAt: Date.now(), source: 'fixed' }
    const a = (await app()).app
    const url = urls[1]!
    const plain = JSON.parse((await challenge(a.request, url)).body) as { accepts: unknown[] }
    const wrong = encodeHeader({
      x402Version: 2,
      accepted: { ...(plain.accepts[0] as object), network: 'eip155:8453', amount: '1', extra: {} },
      payload: {},
    })
    const res = await a.request(url, { headers: { 'PAYMENT-SIGNATURE': wrong } })
    expect(res.status).toBe(402)
    const body = (await res.json()) as { accepts: unknown[]; error: string }
    expect(body.error).toBe('invalid_payment_requirements')
    expect(body.accepts).toEqual(plain.accepts)
  })
})

describe('what the lean path still does for every response', () => {
  it('CORS and X-Request-Id headers on the 402, an echoed request id, and preflights answered', async () => {
    const a = (await app()).app
    const res = await a.request('http://localhost/v1/daily-ohlcv?symbol=ETH', {
      headers: { 'X-Request-Id': 'trace-abc_123' },
    })
    expect(res.status).toBe(402)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED')
    expect(res.headers.get('x-request-id')).toBe('trace-abc_123')
    const fresh = await a.request('http://localhost/v1/daily-ohlcv', {
      headers: { 'X-Request-Id': 'bad id!' },
    })
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    // Answers built elsewhere (a free route, an error, the browser's 402 page) get the same headers after the handler.
    for (const [path, headers] of [
      ['/health', {}],
      ['/v1/daily-ohlcv?symbol=ETH&limit=0', { 'PAYMENT-SIGNATURE': 'not base64 json' }],
      ['/v1/daily-ohlcv?symbol=ETH', { Accept: 'text/html' }],
    ] as const) {
      const other = await a.request(`http://localhost${path}`, {
        headers: { ...headers, 'X-Request-Id': 'trace-other' },
      })
      expect(other.headers.get('access-control-allow-origin'), path).toBe('*')
      expect(other.headers.get('access-control-expose-headers'), path).toContain('PAYMENT-RESPONSE')
      expect(other.headers.get('x-request-id'), path).toBe('trace-other')
    }
    const preflight = await a.request('http://localhost/v1/daily-ohlcv', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-headers')).toContain('PAYMENT-SIGNATURE')
  })

  it('access log: plain 402s are sampled, every error and every request with a payment is logged', async () => {
    const lines: string[] = []
    const ctx = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      tmaiFeed: feed,
      logLines: lines,
      env: { ACCESS_LOG_CHALLENGE_SAMPLE: '10' },
    })
    close = ctx.close
    const requests = () => lines.filter((l) => / request requestId=/.test(l))
    for (let i = 0; i < 25; i++) await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=ETH')
    expect(requests()).toHaveLength(2)
    expect(requests()[0]).toMatch(/status=402 .*sampled=10/)
    await ctx.app.request('http://localhost/v1/daily-ohlcv', { headers: { 'PAYMENT-SIGNATURE': 'garbage!' } })
    await ctx.app.request('http://localhost/nowhere')
    expect(requests()).toHaveLength(4)
    expect(
      requests()
        .slice(2)
        .map((l) => /status=(\d+)/.exec(l)?.[1]),
    ).toEqual(['400', '404'])
  })
})
