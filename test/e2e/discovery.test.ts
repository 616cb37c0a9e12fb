/**
 * Found by agents and directories: the Bazaar extension of every 402 (checked with @x402/extensions' own validators),
 * OpenAPI 3.1 (checked with an OpenAPI validator), /.well-known/x402, /llms.txt, GET /, the MCP tool list, the
 * favicon, the browser 402 page and CORS. Runs on the real dataset when ../shared/data exists, else on the
 * deterministic sample data. No chain is needed: nothing here is paid (the paying MCP tests are in mcp.test.ts).
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { x402Client } from '@x402/core/client'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import {
  type DiscoveryExtension,
  extractDiscoveryInfoFromExtension,
  extractDiscoveryInfoV1,
  validateDiscoveryExtension,
  validateDiscoveryExtensionSpec,
} from '@x402/extensions/bazaar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import { queryParamsSchema, toolNameOf } from '../../src/catalog/json-schema'
import type { Endpoint } from '../../src/catalog/types'
import { devnetAccount } from '../../src/devnet/accounts'
import { CORS_POLICY } from '../../src/http/cors'
import { createMcpDoor } from '../../src/mcp/server'
import { encodeHeader } from '../../src/x402/codec'
import type { PaymentRequirementsV1 } from '../../src/x402/schemas'
import { createTestContext, sampleCandles } from '../helpers/context'
import { loadCatalogData, REAL_DATA } from '../helpers/market-data'
import { decodeHeaderJson } from '../helpers/payments'

type Ctx = Awaited<ReturnType<typeof createTestContext>>
let ctx: Ctx
const TIER_USD = { tier1: '0.017', tier2: '0.034', tier3: '0.068' } as const
const paid = catalog.filter((e) => e.tier !== 'free')
const priceOf = (e: Endpoint) => (e.tier === 'free' ? null : TIER_USD[e.tier])
const exampleUrl = (e: Endpoint) => `http://localhost${e.path}?${new URLSearchParams(e.examples.ok)}`

beforeAll(async () => {
  // No transaction is ever sent here, so no chain runs: verification would fail closed, which no test reaches.
  ctx = await createTestContext({
    rpcUrl: 'http://127.0.0.1:9',
    seed: !REAL_DATA,
    env: { LOG_LEVEL: 'silent' },
  })
  await loadCatalogData(ctx.services.market)
}, 120_000)
afterAll(() => ctx?.close())

async function challengeOf(endpoint: Endpoint, headers: Record<string, string> = {}) {
  const res = await ctx.app.request(exampleUrl(endpoint), { headers })
  expect(res.status).toBe(402)
  const header = res.headers.get('payment-required')
  const v2 = decodeHeaderJson(header) as {
    x402Version: 2
    resource: { url: string; description: string; mimeType: string }
    accepts: {
      amount: string
      asset: string
      network: string
      scheme: string
      payTo: string
      maxTimeoutSeconds: number
      extra: Record<string, unknown>
    }[]
    extensions: { bazaar: DiscoveryExtension & { info: { output: { example: Record<string, unknown> } } } }
  }
  const v1 = (await res.json()) as { accepts: PaymentRequirementsV1[] }
  return { res, header: header ?? '', v1, v2 }
}

describe(`Bazaar discovery in every 402 (${REAL_DATA ? 'real dataset' : 'sample data'})`, () => {
  describe.each(paid.map((e) => [e.path, e] as const))('%s', (_, endpoint) => {
    it('carries a Bazaar extension that @x402/extensions validates, with the parameters and a real example', async () => {
      const { v2 } = await challengeOf(endpoint)
      const bazaar = v2.extensions.bazaar
      expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true })
      expect(validateDiscoveryExtensionSpec(bazaar as unknown as Record<string, unknown>)).toEqual({
        valid: true,
      })
      const info = extractDiscoveryInfoFromExtension(bazaar) as {
        input: { type: string; method: string; queryParams: Record<string, unknown> }
        output: {
          type: string
          example: { success: boolean; length: number; data: unknown[]; meta: Record<string, unknown> }
        }
      }
      // The enrichment added the method; the input names the endpoint's example query.
      expect(info.input).toMatchObject({ type: 'http', method: 'GET' })
      expect(Object.keys(info.input.queryParams).sort()).toEqual(Object.keys(endpoint.examples.ok).sort())

      // What crawlers read: the query parameters' JSON Schema (every parameter, with `required`) and an object example.
      const schema = bazaar.schema as unknown as {
        properties: {
          input: {
            properties: {
              method: { enum: string[] }
              queryParams: { type: string; properties: Record<string, unknown>; required: string[] }
            }
          }
          output: { properties: { example: { type: string } } }
        }
      }
      const queryParams = schema.properties.input.properties.queryParams
      const params = queryParamsSchema(endpoint)
      expect(queryParams.type).toBe('object')
      expect(Object.keys(queryParams.properties).sort()).toEqual(Object.keys(params.properties).sort())
      expect(queryParams.required).toEqual(params.required)
      expect(schema.properties.input.properties.method.enum).toEqual(['GET'])
      expect(schema.properties.output.properties.example.type).toBe('object')

      // The example is the full envelope of a real answer, whose data items match the endpoint's output schema.
      const example = info.output.example
      expect(Object.keys(example).sort()).toEqual(['data', 'length', 'message', 'meta', 'success'])
      expect(example.success).toBe(true)
      expect(example.length).toBe(example.data.length)
      expect(example.data.length).toBeGreaterThan(0)
      for (const item of example.data) expect(endpoint.output.safeParse(item).error).toBeUndefined()
      if (REAL_DATA) {
        expect(example.meta.example, 'computed from the loaded data').toBeUndefined()
        expect(example.meta.source).toBe('csv')
      }
    })

    it('says the same in the v1 body: outputSchema converts back to exactly the v2 discovery info', async () => {
      const { v1, v2 } = await challengeOf(endpoint)
      const usdc = v1.accepts[0]!
      expect(extractDiscoveryInfoV1(usdc as never)).toEqual(v2.extensions.bazaar.info)
    })
  })

  it('keeps every PAYMENT-REQUIRED under 12 KiB, and a v2 client’s payment (which echoes it) under our header limit', async () => {
    const client = new x402Client()
    registerExactEvmScheme(client, { signer: devnetAccount(1) })
    const sizes: string[] = []
    for (const endpoint of paid) {
      const { header, v2 } = await challengeOf(endpoint)
      expect(header.length, endpoint.path).toBeLessThanOrEqual(12 * 1024)
      const payload = await client.createPaymentPayload(v2 as never)
      expect(payload.extensions?.bazaar, 'the client echoes the extension').toBeDefined()
      const signature = encodeHeader(payload)
      expect(signature.length, endpoint.path).toBeLessThanOrEqual(ctx.config.maxPaymentHeaderBytes)
      sizes.push(`${endpoint.path} ${header.length}/${signature.length}`)
    }
    console.log(`PAYMENT-REQUIRED / PAYMENT-SIGNATURE bytes:\n  ${sizes.join('\n  ')}`)
  })
})

describe('OpenAPI 3.1', () => {
  it('validates as OpenAPI 3.1, with prices, 402s, public security and servers from the (loopback) request origin', async () => {
    const res = await ctx.app.request('http://localhost:8080/openapi.json')
    expect(res.status).toBe(200)
    const document = (await res.json()) as {
      openapi: string
      info: { title: string; version: string; description: string }
      servers: { url: string }[]
      paths: Record<string, Record<string, Record<string, unknown>>>
    }
    const validator = new Validator()
    const result = await validator.validate(document)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(document.info.title).toBe('x402-analytics')
    expect(document.info.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(document.servers).toEqual([{ url: 'http://localhost:8080' }])

    const daily = document.paths['/v1/daily-ohlcv']!.get! as {
      security: unknown[]
      'x-payment-info': unknown
      parameters: { name: string; in: string; required: boolean }[]
      responses: Record<
        string,
        { content?: Record<string, { schema: { properties: { data: { items: unknown } } } }> }
      >
    }
    expect(daily.security).toEqual([])
    expect(daily['x-payment-info']).toEqual({
      price: { mode: 'fixed', currency: 'USD', amount: '0.017' },
      protocols: [{ x402: {} }],
    })
    expect(daily.responses['402']).toBeDefined()
    expect(daily.parameters.find((p) => p.name === 'symbol')).toMatchObject({ in: 'query', required: true })
    expect(daily.responses['200']!.content!['application/json']!.schema.properties.data.items).toMatchObject({
      properties: { CLOSE: { type: 'number' } },
    })
    const free = document.paths['/v1/tokens']!.get!
    expect(free.security).toEqual([])
    expect(free['x-payment-info']).toBeUndefined()
    expect(free.responses).not.toHaveProperty('402')
    expect(document.paths['/v1/spend-policy']!.post!.requestBody).toBeDefined()
    expect(document.paths['/v1/spend-policy/{address}']!.get).toBeDefined()
    expect(document.paths['/v1/payment-quote']!.get).toBeDefined()
  })

  it('takes servers from PUBLIC_URL when it is set', async () => {
    const behindProxy = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      env: { LOG_LEVEL: 'silent', PUBLIC_URL: 'https://analytics.example.com/' },
    })
    try {
      const document = (await (await behindProxy.app.request('http://10.0.0.5/openapi.json')).json()) as {
        servers: { url: string }[]
      }
      expect(document.servers).toEqual([{ url: 'https://analytics.example.com' }])
      const known = (await (await behindProxy.app.request('http://10.0.0.5/.well-known/x402')).json()) as {
        resources: string[]
      }
      expect(known.resources[0]).toMatch(/^https:\/\/analytics\.example\.com\/v1\//)
    } finally {
      behindProxy.close()
    }
  })
})

describe('every catalog endpoint, once, at the same price in every document', () => {
  it('OpenAPI, /.well-known/x402, /llms.txt, GET / and the MCP tool list agree with the tier table', async () => {
    const base = 'http://localhost'
    const openapi = (await (await ctx.app.request(`${base}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { 'x-payment-info'?: { price: { amount: string } } } }>
    }
    const wellKnown = (await (await ctx.app.request(`${base}/.well-known/x402`)).json()) as {
      version: number
      resources: string[]
    }
    const llms = await (await ctx.app.request(`${base}/llms.txt`)).text()
    const index = (await (await ctx.app.request(`${base}/`)).json()) as {
      endpoints: { path: string; priceUsd: string; tool: string }[]
      routes: { path: string }[]
      links: Record<string, string>
    }
    const mcpTools = createMcpDoor({
      endpoints: catalog,
      priceOf,
      routeOf: () => Promise.reject(new Error('not paid here')),
      answer: () => Promise.reject(new Error('not called')),
      market: ctx.services.market,
      paid: ctx.services.paid,
      logger: ctx.services.logger,
      version: '0',
    }).tools.map((t) => t.tool)

    expect(wellKnown.version).toBe(1)
    for (const endpoint of catalog) {
      const usd = priceOf(endpoint)
      const tool = toolNameOf(endpoint)
      // OpenAPI: one path, priced iff paid.
      expect(Object.keys(openapi.paths).filter((p) => p === endpoint.path)).toHaveLength(1)
      expect(openapi.paths[endpoint.path]!.get!['x-payment-info']?.price.amount ?? null).toBe(usd)
      // /.well-known/x402: the absolute URL of each paid route, once.
      expect(wellKnown.resources.filter((r) => r === `${base}${endpoint.path}`)).toHaveLength(usd ? 1 : 0)
      // llms.txt: one line per endpoint, with its price and tool.
      const lines = llms.split('\n').filter((l) => l.includes(`\`GET ${endpoint.path}\``))
      expect(lines, endpoint.path).toHaveLength(1)
      expect(lines[0]).toContain(usd ? `$${usd} per call` : 'free')
      expect(lines[0]).toContain(`\`${tool}\``)
      // GET /: once, same price.
      const listed = index.endpoints.filter((e) => e.path === endpoint.path)
      expect(listed).toHaveLength(1)
      expect(listed[0]).toMatchObject({ priceUsd: usd ?? '0', tool })
      // MCP: one tool, the same price in its machine-readable payment info.
      const tools = mcpTools.filter((t) => t.name === tool)
      expect(tools).toHaveLength(1)
      const info = tools[0]!._meta?.['x402/payment-info'] as { price: { amount: string } } | undefined
      expect(info?.price.amount ?? null).toBe(usd)
      if (usd) expect(tools[0]!.description).toContain(`$${usd} per call`)
    }
    expect(wellKnown.resources).toHaveLength(paid.length)
    expect(index.endpoints).toHaveLength(catalog.length)
    expect(mcpTools).toHaveLength(catalog.length)
    // GET / also lists the free quote and spend-policy routes, and links every document.
    expect(index.routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/v1/payment-quote', '/v1/spend-policy', '/v1/spend-policy/{address}']),
    )
    expect(index.links).toMatchObject({
      openapi: `${base}/openapi.json`,
      llmsTxt: `${base}/llms.txt`,
      x402: `${base}/.well-known/x402`,
      mcp: `${base}/mcp`,
    })
    for (const link of Object.values(index.links)) {
      expect((await ctx.app.request(link)).status, link).not.toBe(404)
    }
  })

  it('llms.txt says how to pay in USDC and TMAI and links the other documents', async () => {
    const res = await ctx.app.request('http://localhost/llms.txt')
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toMatch(/^# x402-analytics\n\n> /)
    expect(text).toContain('USDC (6 decimals)')
    expect(text).toContain('TMAI (18 decimals, 10% cheaper)')
    expect(text).toContain('http://localhost/openapi.json')
    expect(text).toContain('http://localhost/mcp')
  })

  it('serves a favicon', async () => {
    const res = await ctx.app.request('http://localhost/favicon.ico')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/x-icon')
    const bytes = new Uint8Array(await res.arrayBuffer())
    // ICONDIR: reserved 0, type 1 (icon), one image; then the image is a PNG.
    expect([...bytes.slice(0, 6)]).toEqual([0, 0, 1, 0, 1, 0])
    expect([...bytes.slice(22, 26)]).toEqual([0x89, 0x50, 0x4e, 0x47])
  })
})

describe('browsers and CORS', () => {
  const endpoint = paid.find((e) => e.path === '/v1/daily-ohlcv')!
  const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

  it('a browser gets a small HTML 402 page with the prices and how to pay, and the same PAYMENT-REQUIRED', async () => {
    const api = await ctx.app.request(exampleUrl(endpoint))
    const res = await ctx.app.request(exampleUrl(endpoint), { headers: { Accept: browserAccept } })
    expect(res.status).toBe(402)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const sameOffers = (h: string | null) => (decodeHeaderJson(h) as { accepts: unknown }).accepts
    expect(sameOffers(res.headers.get('payment-required'))).toEqual(
      sameOffers(api.headers.get('payment-required')),
    )
    const page = await res.text()
    expect(page.length).toBeLessThan(8_000)
    expect(page).toContain('$0.017 per call')
    expect(page).toContain('<td>USDC</td>')
    expect(page).toContain('<code>0.017</code>')
    expect(page).toContain('<td>TMAI</td>')
    expect(page).toMatch(/21\.857142857142857143/) // ceil(0.017 × 0.9 / 0.0007 × 10^18) atomic units, as TMAI
    expect(page).toContain('href="/openapi.json"')
    expect(page).toContain('href="/llms.txt"')
    // API clients still get JSON.
    expect(api.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('accepts x-coinbase-402: true as a harmless opt-in (the same 402)', async () => {
    const plain = await challengeOf(endpoint)
    const opted = await challengeOf(endpoint, { 'x-coinbase-402': 'true' })
    expect(opted.v2.accepts).toEqual(plain.v2.accepts)
    expect(opted.v1.accepts).toEqual(plain.v1.accepts)
  })

  it('a preflight from a browser origin with the payment and preference headers succeeds', async () => {
    const requested = [
      'payment-signature',
      'x-payment',
      'x-payment-token',
      'x-coinbase-402',
      'idempotency-key',
      'authorization',
    ]
    const res = await ctx.app.request(exampleUrl(endpoint), {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://agent.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': requested.join(','),
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',')
    for (const header of requested) expect(allowed).toContain(header)
    expect(res.headers.get('access-control-allow-methods')).toContain('GET')
  })

  it('exposes the challenge, settlement, retry, replay and request-id headers to browser code', async () => {
    const res = await ctx.app.request(exampleUrl(endpoint), { headers: { Origin: 'https://agent.example' } })
    expect(res.status).toBe(402)
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(',')
    for (const header of [
      'PAYMENT-REQUIRED',
      'PAYMENT-RESPONSE',
      'X-PAYMENT-RESPONSE',
      'Retry-After',
      'Idempotent-Replayed',
      'X-Request-Id',
    ])
      expect(exposed).toContain(header.toLowerCase())
    expect(CORS_POLICY.exposeHeaders).toContain('Retry-After')
    expect(res.headers.get('payment-required')).toBeTruthy()
  })
})

describe('when the loaded data cannot answer the example queries', () => {
  it('the example is a sample of the output schema (openapi-sampler), said so, and still valid for the Bazaar', async () => {
    // Data for one unrelated symbol only: the 402s are served, but ETH, BTC, top10… have no answer.
    const other = await createTestContext({
      rpcUrl: 'http://127.0.0.1:9',
      seed: false,
      env: { LOG_LEVEL: 'silent' },
    })
    try {
      await other.services.market.saveCandles('1d', sampleCandles(['ZZZ'], 30), 'csv')
      const examples = []
      for (const endpoint of paid) {
        const res = await other.app.request(exampleUrl(endpoint))
        expect(res.status, endpoint.path).toBe(402)
        const v2 = decodeHeaderJson(res.headers.get('payment-required')) as {
          extensions: {
            bazaar: DiscoveryExtension & {
              info: { output: { example: { data: unknown[]; meta: Record<string, unknown> } } }
            }
          }
        }
        const bazaar = v2.extensions.bazaar
        expect(validateDiscoveryExtension(bazaar), endpoint.path).toEqual({ valid: true })
        const example = bazaar.info.output.example
        for (const item of example.data)
          expect(endpoint.output.safeParse(item).error, endpoint.path).toBeUndefined()
        examples.push(example)
      }
      const sampled = examples.filter((e) => typeof e.meta.example === 'string')
      expect(sampled.length).toBeGreaterThan(paid.length / 2)
      expect(sampled[0]!.meta.example).toMatch(/generated from the output schema/)
      // Deterministic: the same sample every time.
      const again = decodeHeaderJson(
        (await other.app.request(exampleUrl(paid[0]!))).headers.get('payment-required'),
      )
      expect(JSON.stringify(again)).toContain(JSON.stringify(examples[0]))
    } finally {
      other.close()
    }
  })
})
