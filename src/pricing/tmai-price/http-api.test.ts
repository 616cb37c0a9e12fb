import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type ReplayServer, startReplayServer } from '../../../test/helpers/replay-server'
import { SourceHttpError, SourcePayloadError, SourceTimeoutError } from '../../market-data/sources/errors'
import { quoteTokenAmount } from '../quote'
import { createHttpPriceSource, numberToDecimalString } from './http-api'
import { createGuardedPriceFeed, PriceSourceError } from './port'

/** Raw bytes of a hand-written fixture, replayed as is (so `7.05e-7` stays an exponent on the wire). */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/tmai/${name}`, import.meta.url), 'utf8')

const UPDATED_AT_MS = 1_732_233_600_000 // the fixtures' last_updated_at

let server: ReplayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function serve(reply: Parameters<typeof startReplayServer>[0]) {
  server = await startReplayServer(reply)
  return server
}

describe('createHttpPriceSource against a local simple-price server', () => {
  it('reads the price and its update time, asking with the documented query', async () => {
    const api = await serve(() => ({ body: fixture('coingecko-simple-price.json') }))
    const reading = await createHttpPriceSource({ baseUrl: `${api.baseUrl}/` }).read()
    expect(reading).toEqual({
      usd: '0.000705',
      observedAt: UPDATED_AT_MS,
      source: 'http-api',
      detail: {
        url: `${api.baseUrl}/api/v3/simple/price?ids=token-metrics-ai&vs_currencies=usd&include_last_updated_at=true`,
        coinId: 'token-metrics-ai',
        lastUpdatedAt: '2024-11-22T00:00:00.000Z',
      },
    })
    expect(api.requests).toHaveLength(1)
    expect(api.requests[0]!.path).toBe('/api/v3/simple/price')
    expect(Object.fromEntries(api.requests[0]!.query)).toEqual({
      ids: 'token-metrics-ai',
      vs_currencies: 'usd',
      include_last_updated_at: 'true',
    })
    // The reading feeds a quote directly.
    expect(
      quoteTokenAmount({ usdPrice: '0.017', discount: '0.10', tokenUsd: reading.usd, decimals: 18 }),
    ).toBe(21_702_127_659_574_468_086n)
  })

  it('expands a price JSON wrote with an exponent', async () => {
    const api = await serve(() => ({ body: fixture('coingecko-simple-price-exponent.json') }))
    expect((await createHttpPriceSource({ baseUrl: api.baseUrl }).read()).usd).toBe('0.000000705')
  })

  it('a 500 is a SourceHttpError naming the status and body, not retried by default', async () => {
    const api = await serve(() => ({ status: 500, json: { error: 'internal' } }))
    const error = await createHttpPriceSource({ baseUrl: api.baseUrl })
      .read()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourceHttpError)
    expect((error as SourceHttpError).status).toBe(500)
    expect((error as Error).message).toMatch(/failed with HTTP 500 after 1 attempt: \{"error":"internal"\}$/)
    expect(api.requests).toHaveLength(1)
  })

  it('a slow answer is a SourceTimeoutError after timeoutMs', async () => {
    const api = await serve(() => ({ body: fixture('coingecko-simple-price.json'), delayMs: 2_000 }))
    const started = Date.now()
    const error = await createHttpPriceSource({ baseUrl: api.baseUrl, timeoutMs: 200 })
      .read()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourceTimeoutError)
    expect((error as Error).message).toMatch(/timed out after 200 ms \(1 attempt\)$/)
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it.each([
    ['not JSON', '<html>Bad gateway</html>', /not JSON \(starts with "<html>Bad gateway<\/html>"\)/],
    ['an unknown id', fixture('coingecko-simple-price-unknown-id.json'), /token-metrics-ai/],
    ['a price as a string', '{"token-metrics-ai":{"usd":"0.0007","last_updated_at":1732233600}}', /usd/],
    ['a negative price', '{"token-metrics-ai":{"usd":-0.0007,"last_updated_at":1732233600}}', /usd/],
    ['no update time', '{"token-metrics-ai":{"usd":0.0007}}', /last_updated_at/],
  ])('a malformed body (%s) is a SourcePayloadError', async (_, body, message) => {
    const api = await serve(() => ({ body }))
    const error = await createHttpPriceSource({ baseUrl: api.baseUrl })
      .read()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourcePayloadError)
    expect((error as Error).message).toMatch(message)
  })

  it('sends extra headers (an API key) and asks for another coin id', async () => {
    const seen: string[] = []
    const api = await serve(({ query }) => {
      seen.push(query.get('ids') ?? '')
      return { body: '{"other-coin":{"usd":2.5,"last_updated_at":1732233600}}' }
    })
    const reading = await createHttpPriceSource({
      baseUrl: api.baseUrl,
      coinId: 'other-coin',
      headers: { 'x-cg-demo-api-key': 'test-key' },
    }).read()
    expect(reading.usd).toBe('2.5')
    expect(seen).toEqual(['other-coin'])
  })
})

describe('the HTTP source behind the guard', () => {
  const guardOptions = { maxAgeMs: 300_000, minUsd: '0.00001', maxUsd: '1' }

  it('a fresh reading is usable; the same reading a day later is stale', async () => {
    const api = await serve(() => ({ body: fixture('coingecko-simple-price.json') }))
    const source = createHttpPriceSource({ baseUrl: api.baseUrl })
    const fresh = createGuardedPriceFeed(source, { ...guardOptions, now: () => UPDATED_AT_MS + 60_000 })
    expect(await fresh.current()).toMatchObject({ ok: true, usd: '0.000705', source: 'http-api' })
    const late = createGuardedPriceFeed(source, { ...guardOptions, now: () => UPDATED_AT_MS + 86_400_000 })
    expect(await late.current()).toEqual({
      ok: false,
      reason: 'stale',
      message: 'http-api price 0.000705 is 86400 s old (limit 300 s)',
    })
  })

  it('a price outside the band is out_of_band', async () => {
    const api = await serve(() => ({ body: fixture('coingecko-simple-price-exponent.json') }))
    const feed = createGuardedPriceFeed(createHttpPriceSource({ baseUrl: api.baseUrl }), {
      ...guardOptions,
      now: () => UPDATED_AT_MS,
    })
    expect(await feed.current()).toMatchObject({ ok: false, reason: 'out_of_band' })
  })

  it.each([
    ['a 500', { status: 500, body: 'oops' }, /HTTP 500/],
    ['a timeout', { body: '{}', delayMs: 1_000 }, /timed out after 100 ms/],
    ['a malformed body', { body: 'not json' }, /unexpected payload: not JSON/],
  ])('%s becomes unavailable with the reason, never an exception', async (_, reply, message) => {
    const api = await serve(() => reply)
    const feed = createGuardedPriceFeed(createHttpPriceSource({ baseUrl: api.baseUrl, timeoutMs: 100 }), {
      ...guardOptions,
      now: () => UPDATED_AT_MS,
    })
    const result = await feed.current()
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(!result.ok && result.message).toMatch(message)
  })

  it('a server that is gone is unavailable too', async () => {
    const api = await serve(() => ({ body: '{}' }))
    await api.close()
    const feed = createGuardedPriceFeed(createHttpPriceSource({ baseUrl: api.baseUrl }), {
      ...guardOptions,
      now: () => UPDATED_AT_MS,
    })
    const result = await feed.current()
    expect(result).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(!result.ok && result.message).toMatch(/network error/)
  })
})

describe('numberToDecimalString', () => {
  it.each([
    [0.000705, '0.000705'],
    [7.05e-4, '0.000705'],
    [7.05e-7, '0.000000705'],
    [1e-7, '0.0000001'],
    [1.2345e-10, '0.00000000012345'],
    [0, '0'],
    [2.5, '2.5'],
    [1234.5678, '1234.5678'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [0.1 + 0.2, '0.30000000000000004'], // the double's shortest digits: exactly what it holds, no more
  ])('%s → %s', (value, text) => {
    expect(numberToDecimalString(value)).toBe(text)
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('refuses %s', (value) => {
    expect(() => numberToDecimalString(value)).toThrow(RangeError)
  })

  it('PriceSourceError carries the source and code', () => {
    const error = new PriceSourceError({ source: 'http-api', code: 'bad_response', message: 'x' })
    expect([error.source, error.code, error.message]).toEqual(['http-api', 'bad_response', 'http-api: x'])
  })
})
