import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type ReplayHandler, type ReplayServer, startReplayServer } from '../../../test/helpers/replay-server'
import { SourceHttpError, SourcePayloadError, SourceTimeoutError } from './errors'
import { backoffDelay, fetchJson, parseRetryAfter, type RequestPolicy } from './http-client'
import { HostRateLimiter } from './rate-limiter'

const Ok = z.object({ ok: z.literal(true) })

let server: ReplayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function serve(handler: ReplayHandler) {
  server = await startReplayServer(handler)
  return server
}

/** A policy whose sleeps return at once and are recorded. */
function fastPolicy(overrides: RequestPolicy = {}) {
  const sleeps: number[] = []
  const policy: RequestPolicy = {
    retries: 3,
    backoffBaseMs: 100,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  }
  return { policy, sleeps }
}

describe('fetchJson', () => {
  it('returns the body parsed by the schema', async () => {
    const { baseUrl } = await serve(() => ({ json: { ok: true, extra: 1 } }))
    await expect(fetchJson(`${baseUrl}/x`, { schema: Ok })).resolves.toEqual({ ok: true })
  })

  it('waits Retry-After seconds on 429, then succeeds', async () => {
    const { baseUrl, requests } = await serve(({ n }) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': '2' }, json: { msg: 'slow down' } }
        : { json: { ok: true } },
    )
    const { policy, sleeps } = fastPolicy()
    await expect(fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })).resolves.toEqual({ ok: true })
    expect(sleeps).toEqual([2000])
    expect(requests).toHaveLength(2)
  })

  it('reads Retry-After as an HTTP date', async () => {
    const now = Date.parse('2024-01-01T00:00:00Z')
    const { baseUrl } = await serve(({ n }) =>
      n === 1
        ? { status: 418, headers: { 'retry-after': 'Mon, 01 Jan 2024 00:00:03 GMT' } }
        : { json: { ok: true } },
    )
    const { policy, sleeps } = fastPolicy({ now: () => now })
    await fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })
    expect(sleeps).toEqual([3000])
  })

  it('retries 5xx with exponential backoff and jitter', async () => {
    const { baseUrl, requests } = await serve(({ n }) =>
      n <= 2 ? { status: 503, body: 'busy' } : { json: { ok: true } },
    )
    const { policy, sleeps } = fastPolicy()
    await fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })
    expect(sleeps).toEqual([75, 150]) // ceiling 100 then 200; half fixed + 0.5 × half random
    expect(requests).toHaveLength(3)
  })

  it('fails at once on other 4xx, with status, url, attempts and the body in the message', async () => {
    const { baseUrl, requests } = await serve(() => ({
      status: 400,
      json: { code: -1121, msg: 'Invalid symbol.' },
    }))
    const { policy, sleeps } = fastPolicy()
    const error = await fetchJson(`${baseUrl}/klines?symbol=NOPE`, { ...policy, schema: Ok }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SourceHttpError)
    expect(error).toMatchObject({ status: 400, attempts: 1, url: `${baseUrl}/klines?symbol=NOPE` })
    expect((error as Error).message).toContain(
      'HTTP 400 after 1 attempt: {"code":-1121,"msg":"Invalid symbol."}',
    )
    expect(sleeps).toEqual([])
    expect(requests).toHaveLength(1)
  })

  it('gives up after the configured retries', async () => {
    const { baseUrl, requests } = await serve(() => ({ status: 502 }))
    const { policy } = fastPolicy({ retries: 2 })
    await expect(fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })).rejects.toMatchObject({
      name: 'SourceHttpError',
      status: 502,
      attempts: 3,
    })
    expect(requests).toHaveLength(3)
  })

  it('fails fast when Retry-After exceeds maxRetryWaitMs (a long Binance ban)', async () => {
    const { baseUrl } = await serve(() => ({ status: 418, headers: { 'retry-after': '7200' } }))
    const { policy, sleeps } = fastPolicy({ maxRetryWaitMs: 60_000 })
    await expect(fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })).rejects.toThrow(
      /HTTP 418 after 1 attempt \(server asked to retry after 7200 s, more than the 60 s we wait\)/,
    )
    expect(sleeps).toEqual([])
  })

  it('times out slow responses and retries them', async () => {
    const { baseUrl, requests } = await serve(({ n }) =>
      n === 1 ? { delayMs: 300, json: { ok: true } } : { json: { ok: true } },
    )
    const { policy } = fastPolicy({ timeoutMs: 50 })
    await expect(fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok })).resolves.toEqual({ ok: true })
    expect(requests).toHaveLength(2)
  })

  it('throws SourceTimeoutError when every attempt times out', async () => {
    const { baseUrl } = await serve(() => ({ delayMs: 300, json: { ok: true } }))
    const { policy } = fastPolicy({ timeoutMs: 30, retries: 1 })
    const error = await fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourceTimeoutError)
    expect((error as Error).message).toBe(`GET ${baseUrl}/x timed out after 30 ms (2 attempts)`)
  })

  it('retries network errors and reports them with their cause', async () => {
    const { baseUrl } = await serve(() => ({ json: {} }))
    await server?.close()
    server = undefined
    const { policy, sleeps } = fastPolicy({ retries: 2 })
    const error = await fetchJson(`${baseUrl}/x`, { ...policy, schema: Ok }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourceHttpError)
    expect(error).toMatchObject({ status: null, attempts: 3 })
    expect((error as Error).message).toMatch(/network error \(fetch failed: .*ECONNREFUSED/)
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(sleeps).toHaveLength(2)
  })

  it('reports a changed payload format clearly, without retrying', async () => {
    const { baseUrl, requests } = await serve(() => ({ json: { ok: 'yes' } }))
    const error = await fetchJson(`${baseUrl}/x`, { schema: Ok }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SourcePayloadError)
    expect((error as Error).message).toContain(`GET ${baseUrl}/x returned an unexpected payload`)
    expect((error as Error).message).toContain('→ at ok')
    expect(requests).toHaveLength(1)
  })

  it('rejects a non-JSON body as a payload error', async () => {
    const { baseUrl } = await serve(() => ({ body: '<html>maintenance</html>' }))
    await expect(fetchJson(`${baseUrl}/x`, { schema: Ok })).rejects.toThrow(
      /not JSON \(starts with "<html>maint/,
    )
  })
})

describe('parseRetryAfter and backoffDelay', () => {
  it('parses seconds, dates, and ignores garbage', () => {
    const now = Date.parse('2024-01-01T00:00:00Z')
    expect(parseRetryAfter('5', now)).toBe(5000)
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })

  it('doubles per retry, caps, and stays within [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 500, () => 0))).toEqual([50, 100, 200, 250])
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 100, 500, () => 0.999999))).toEqual([100, 200, 400, 500])
  })
})

describe('HostRateLimiter', () => {
  it('spaces requests to the same host and leaves other hosts alone', async () => {
    let clock = 1_000
    const waits: number[] = []
    const limiter = new HostRateLimiter({
      minIntervalMs: 100,
      perHost: { 'slow.example': 1000 },
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
        clock += ms
      },
    })
    await limiter.acquire('https://a.example/1')
    await limiter.acquire('https://a.example/2')
    await limiter.acquire('https://b.example/1')
    clock += 30
    await limiter.acquire('https://a.example/3')
    await limiter.acquire('https://slow.example/1')
    await limiter.acquire('https://slow.example/2')
    expect(waits).toEqual([100, 70, 1000])
  })

  it('paces fetchJson requests', async () => {
    const { baseUrl } = await serve(() => ({ json: { ok: true } }))
    let clock = 0
    const waits: number[] = []
    const rateLimiter = new HostRateLimiter({
      minIntervalMs: 250,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms)
        clock += ms
      },
    })
    for (let i = 0; i < 3; i++) await fetchJson(`${baseUrl}/x`, { schema: Ok, rateLimiter })
    expect(waits).toEqual([250, 250])
  })
})
