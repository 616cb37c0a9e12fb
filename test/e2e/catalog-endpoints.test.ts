/**
 * Every catalog endpoint (including ones added later) against its own `examples`, through the real payment flow on
 * a private devnet: paid endpoints challenge at their tier's price, a paid `ok` call returns schema-valid data,
 * and bad parameters or unknown symbols are refused without moving any money. Runs on the real dataset when
 * ../shared/data exists, else on the deterministic sample data.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Address } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import type { Endpoint } from '../../src/catalog/types'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import type { Candle } from '../../src/lib/candle'
import { importOhlcvCsv, importTokensCsv } from '../../src/market-data/csv-import'
import type { PaymentRequirementsV2 } from '../../src/x402/schemas'
import { createTestContext, sampleCandles } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

/** Registers the test only when the endpoint has that example (an endpoint without a symbol has no 404 case). */

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data')
const REAL = existsSync(path.join(SHARED, 'daily_ohlcv.csv')) && existsSync(path.join(SHARED, 'tokens.csv'))
const TIER_ATOMIC = { tier1: 17_000n, tier2: 34_000n, tier3: 68_000n } as const
const USDC = NETWORKS.devnet.usdc.address

type Ctx = Awaited<ReturnType<typeof createTestContext>>
type Body = {
  success: boolean
  data: unknown[]
  length: number
  parameter?: string
  meta?: Record<string, unknown>
}

let devnet: TestDevnet
let ctx: Ctx
beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, seed: !REAL, env: { LOG_LEVEL: 'silent' } })
  if (REAL) {
    await importTokensCsv(ctx.services.market, path.join(SHARED, 'tokens.csv'))
    await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'daily_ohlcv.csv'))
    if (existsSync(path.join(SHARED, 'hourly_ohlcv.csv')))
      await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'hourly_ohlcv.csv'))
  } else {
    await ctx.services.market.saveCandles('1h', sampleHourly(), 'csv')
  }
})
afterAll(async () => {
  ctx?.close()
  await devnet?.stop()
})

/** Three days of hourly bars for the sample symbols, so hourly endpoints have data without ../shared/data. */
function sampleHourly(): Candle[] {
  return sampleCandles(['BTC', 'ETH', 'SOL'], 72).map((c, i) => ({
    ...c,
    time: new Date(Date.parse('2026-03-18T23:00:00Z') - (71 - (i % 72)) * 3_600_000)
      .toISOString()
      .replace('.000Z', 'Z'),
    marketCap: null,
  }))
}

const url = (endpoint: Endpoint, query: Record<string, string>) =>
  `http://localhost${endpoint.path}?${new URLSearchParams(query)}`

// Spread the spending over payers 1–9 so none comes near the $5/hour default cap.
let nextPayer = 0
const payer = () => devnetAccount(1 + (nextPayer++ % 9))

/** The USDC offer of a fresh 402 for this request. */
async function usdcOffer(requestUrl: string): Promise<PaymentRequirementsV2> {
  const res = await ctx.app.request(requestUrl)
  expect(res.status).toBe(402)
  const required = decodeHeaderJson(res.headers.get('payment-required')) as {
    x402Version: number
    accepts: PaymentRequirementsV2[]
  }
  expect(required.x402Version).toBe(2)
  const offer = required.accepts.find((a) => a.asset.toLowerCase() === USDC.toLowerCase())
  expect(offer).toBeDefined()
  return offer!
}

/** A paid request; returns the response and how much the payer's USDC balance moved. */
async function paidCall(endpoint: Endpoint, query: Record<string, string>) {
  const requestUrl = url(endpoint, query)
  const accepted = await usdcOffer(requestUrl)
  const account = payer()
  const before = await devnet.usdcBalance(account.address)
  const signed = await signUsdcAuthorization(account, {
    value: BigInt(accepted.amount),
    to: accepted.payTo as Address,
  })
  const res = await ctx.app.request(requestUrl, {
    headers: { 'PAYMENT-SIGNATURE': v2Header(signed, accepted) },
  })
  const body = (await res.json()) as Body
  const spent = before - (await devnet.usdcBalance(account.address))
  return { res, body, spent }
}

function expectSchemaValid(endpoint: Endpoint, body: Body) {
  expect(body.success).toBe(true)
  expect(body.length).toBe(body.data.length)
  expect(body.data.length, `${endpoint.path} examples.ok should return data`).toBeGreaterThan(0)
  for (const item of body.data) {
    const parsed = endpoint.output.safeParse(item)
    expect(parsed.success, `${endpoint.path}: ${parsed.error?.message}`).toBe(true)
  }
}

describe(`every catalog endpoint on ${REAL ? 'the real dataset' : 'the sample data'}`, () => {
  const paid = catalog.filter((e) => e.tier !== 'free')
  const free = catalog.filter((e) => e.tier === 'free')

  describe.each(paid.map((e) => [e.path, e] as const))('%s (paid)', (_, endpoint) => {
    const price = TIER_ATOMIC[endpoint.tier as keyof typeof TIER_ATOMIC]

    it('answers 402 with the v2 offer at its tier price', async () => {
      const offer = await usdcOffer(url(endpoint, endpoint.examples.ok))
      expect(BigInt(offer.amount)).toBe(price)
      expect(offer.network).toBe('eip155:8453')
    })

    it('a paid examples.ok call returns 200 with schema-valid data and charges the price', async () => {
      const { res, body, spent } = await paidCall(endpoint, endpoint.examples.ok)
      expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200)
      expect(res.headers.get('payment-response')).toBeTruthy()
      expectSchemaValid(endpoint, body)
      if (endpoint.methodology) expect(body.meta?.methodology).toBe(endpoint.methodology)
      expect(spent).toBe(price)
    })

    it.runIf(endpoint.examples.badParameter)('examples.badParameter → 400 naming it, no charge', async () => {
      const bad = endpoint.examples.badParameter!
      const { res, body, spent } = await paidCall(endpoint, bad.query)
      expect(res.status).toBe(400)
      expect(body.parameter).toBe(bad.parameter)
      expect(spent).toBe(0n)
    })

    it.runIf(endpoint.examples.unknownSymbol)('examples.unknownSymbol → 404, no charge', async () => {
      const { res, spent } = await paidCall(endpoint, endpoint.examples.unknownSymbol!)
      expect(res.status).toBe(404)
      expect(spent).toBe(0n)
    })
  })

  describe.each(free.map((e) => [e.path, e] as const))('%s (free)', (_, endpoint) => {
    it('examples.ok → 200 with schema-valid data', async () => {
      const res = await ctx.app.request(url(endpoint, endpoint.examples.ok))
      expect(res.status).toBe(200)
      expectSchemaValid(endpoint, (await res.json()) as Body)
    })

    it.runIf(endpoint.examples.badParameter)('examples.badParameter → 400 naming it', async () => {
      const bad = endpoint.examples.badParameter!
      const res = await ctx.app.request(url(endpoint, bad.query))
      expect(res.status).toBe(400)
      expect(((await res.json()) as Body).parameter).toBe(bad.parameter)
    })

    it.runIf(endpoint.examples.unknownSymbol)('examples.unknownSymbol → 404', async () => {
      const res = await ctx.app.request(url(endpoint, endpoint.examples.unknownSymbol!))
      expect(res.status).toBe(404)
    })
  })

  it('discovery lists every catalog endpoint with its tier', async () => {
    const body = (await (await ctx.app.request('http://localhost/')).json()) as {
      endpoints: { path: string; tier: string }[]
    }
    expect(body.endpoints.map((e) => [e.path, e.tier])).toEqual(catalog.map((e) => [e.path, e.tier]))
  })
})
