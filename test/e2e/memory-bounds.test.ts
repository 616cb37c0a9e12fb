/**
 * What a careless or hostile client can make the service hold: parameter lengths, URL length, and the result
 * cache's memory, measured as resident set size in a child process (test/helpers/cache-memory-probe.ts).
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import { MAX_PARAM_CHARS } from '../../src/catalog/params'
import type { Endpoint } from '../../src/catalog/types'
import { MAX_URL_CHARS } from '../../src/http/url-limit'
import { FILLED_CHALLENGES_MAX_BYTES } from '../../src/http/x402-responses'
import { createTestContext } from '../helpers/context'

const root = path.resolve(import.meta.dirname, '../..')
const run = promisify(execFile)
// Parsing is under test, not payment: every tier is served free, so no chain is needed.
const free: Endpoint[] = catalog.map((e) => ({ ...e, tier: 'free' }))
const NO_RPC = 'http://127.0.0.1:9'

type Ctx = Awaited<ReturnType<typeof createTestContext>>
type ErrorBody = { success: false; error: string; message: string; parameter?: string }

function parametersOf(endpoint: Endpoint): string[] {
  const schema = endpoint.input.toJSONSchema({ unrepresentable: 'any', io: 'input' }) as {
    properties?: Record<string, unknown>
  }
  return Object.keys(schema.properties ?? {})
}

describe('parameter and URL length caps (real app, real SQLite)', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({ rpcUrl: NO_RPC, endpoints: free, env: { LOG_LEVEL: 'silent' } })
  })
  afterAll(() => ctx?.close())

  const get = async (pathAndQuery: string) => {
    const res = await ctx.app.request(`http://localhost${pathAndQuery}`)
    return { status: res.status, body: (await res.json()) as ErrorBody }
  }

  it('every parameter of every endpoint is refused over the ceiling: 400 invalid_parameter naming it', async () => {
    const tooLong = 'x'.repeat(MAX_PARAM_CHARS + 1)
    let checked = 0
    for (const endpoint of catalog) {
      for (const parameter of parametersOf(endpoint)) {
        const { status, body } = await get(`${endpoint.path}?${parameter}=${tooLong}`)
        expect(status, `${endpoint.path} ${parameter}`).toBe(400)
        expect(body).toMatchObject({ success: false, error: 'invalid_parameter', parameter })
        expect(body.message).toBe(`${parameter}: at most ${MAX_PARAM_CHARS} characters`)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(40)
  })

  it('category is capped at 64 characters, symbol lists at 2,000', async () => {
    const category = await get(`/v1/tokens?category=${'c'.repeat(65)}`)
    expect(category.status).toBe(400)
    expect(category.body).toMatchObject({ error: 'invalid_parameter', parameter: 'category' })
    expect(category.body.message).toMatch(/at most 64 characters/)
    expect((await get(`/v1/tokens?category=${encodeURIComponent(' Layer 1 ')}`)).status).toBe(200)

    const symbols = Array.from({ length: 400 }, () => 'BTC').join(',') // 1,599 characters, 1 symbol
    expect((await get(`/v1/price?symbol=${symbols}`)).status).toBe(200)
    const tooMany = await get(`/v1/price?symbol=${symbols},${'ETH,'.repeat(101)}`)
    expect(tooMany.body).toMatchObject({ error: 'invalid_parameter', parameter: 'symbol' })
    expect(tooMany.body.message).toMatch(/at most 2000 characters/)
  })

  it(`a URL over ${MAX_URL_CHARS} characters is refused with 414 uri_too_long on every route`, async () => {
    const pad = 'p'.repeat(MAX_URL_CHARS)
    for (const target of [`/v1/tokens?category=${pad}`, `/health?pad=${pad}`, `/v1/daily-ohlcv?x=${pad}`]) {
      const { status, body } = await get(target)
      expect(status, target.slice(0, 40)).toBe(414)
      expect(body).toMatchObject({ success: false, error: 'uri_too_long' })
      expect(body.message).toMatch(/over 8192 characters/)
    }
    expect((await get(`/health?pad=${'p'.repeat(MAX_URL_CHARS - 100)}`)).status).toBe(200)
  })
})

interface ProbeResult {
  baselineMb: number
  oversizedGrowthMb: number
  largeAnswersGrowthMb: number
  totalGrowthMb: number
  statuses: Record<string, number>
}

async function probe(env: Record<string, string> = {}): Promise<ProbeResult> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'test/helpers/cache-memory-probe.ts'],
    { cwd: root, env: { ...process.env, PROBE_ENV: JSON.stringify(env) }, maxBuffer: 1024 * 1024 },
  )
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult
  console.log(`cache memory probe ${JSON.stringify(env)}: ${JSON.stringify(result)}`)
  return result
}

describe('memory under 2,000 distinct large queries (child process, RSS after full GCs)', () => {
  it('grows RSS by less than 64 MB with the default cache bound, and RESULT_CACHE_MAX_MB governs it', async () => {
    const byDefault = await probe()
    expect(byDefault.oversizedGrowthMb).toBeLessThan(64) // 2,000 × a 60 KB category
    expect(byDefault.largeAnswersGrowthMb).toBeLessThan(64) // 2,000 × ~20 KB answers, cached up to 32 MiB
    expect(byDefault.totalGrowthMb).toBeLessThan(64)
    expect(byDefault.statuses).toEqual({ 200: 2_050, 414: 2_050 })

    const small = await probe({ RESULT_CACHE_MAX_MB: '8' })
    expect(small.largeAnswersGrowthMb).toBeLessThan(16)
    expect(byDefault.largeAnswersGrowthMb - small.largeAnswersGrowthMb).toBeGreaterThan(16)
  }, 180_000)
})

describe('memory under 10,000 unpaid 402s with unique 1.5 KB query strings (child process, RSS after full GCs)', () => {
  it('the filled-in 402s are kept within their byte bound across every paid route: RSS grows by less than 14 MB', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/helpers/challenge-memory-probe.ts'],
      { cwd: root, env: process.env, maxBuffer: 1024 * 1024 },
    )
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      routes: number
      growthMb: number
      filledCacheBytes: number
      statuses: Record<string, number>
    }
    console.log(`402 memory probe: ${JSON.stringify(result)}`)
    expect(result.statuses).toEqual({ 402: 10_200 })
    expect(result.routes).toBeGreaterThan(10)
    expect(result.filledCacheBytes).toBeGreaterThan(FILLED_CHALLENGES_MAX_BYTES / 2)
    expect(result.filledCacheBytes).toBeLessThanOrEqual(FILLED_CHALLENGES_MAX_BYTES)
    // Kept per route and reason, 256 URLs each, the same requests grew RSS by about 24 MB.
    expect(result.growthMb).toBeLessThan(14)
  }, 180_000)
})
