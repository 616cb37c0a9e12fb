import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdminKey } from '../../src/admin/key-store'
import { createAdminRouter, DEFAULT_ADMIN_RATE_LIMIT } from '../../src/admin/router'
import { adminAudit } from '../../src/db/schema/admin'
import { createClientAddress } from '../../src/http/client-address'
import { createErrorRenderer } from '../../src/http/error-renderer'
import { createLogger } from '../../src/lib/logger'
import { createTestContext, listen } from '../helpers/context'

/**
 * Abuse of the operator API over a real loopback port: the per-address limit must key on an address the client
 * cannot choose (the socket's, or what a configured proxy reports), not on a header anyone can send.
 */
const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function serveAdmin(env: Record<string, string> = {}) {
  const logLines: string[] = []
  const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', seed: false, env, logLines })
  cleanup.push(() => ctx.close())
  const server = await listen(ctx.app)
  cleanup.push(() => server.close())
  const badKey = () =>
    `x4a_${'abcdefghij'
      .split('')
      .map(() => 'abcdefghijklmnopqrstuvwxyz234567'[randomBytes(1)[0]! % 32])
      .join('')}_${randomBytes(32).toString('base64url')}`
  const refuse = async (forwardedFor?: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${badKey()}` }
    if (forwardedFor) headers['x-forwarded-for'] = forwardedFor
    const res = await fetch(`${server.url}/admin/payments`, { headers })
    await res.arrayBuffer()
    return res.status
  }
  const deniedAddresses = async () =>
    [
      ...new Set(
        (await ctx.db.select().from(adminAudit).where(eq(adminAudit.action, 'auth.denied'))).map((r) => r.ip),
      ),
    ].sort()
  const warnings = (message: string) => logLines.filter((l) => l.includes(` WARN  ${message}`))
  return { ctx, refuse, deniedAddresses, warnings }
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length
const perMinute = DEFAULT_ADMIN_RATE_LIMIT.perIpPerMinute

/** Statuses of `n` refusals, and how many the bucket may have refilled meanwhile (it refills continuously). */
async function burst(n: number, send: (i: number) => Promise<number>) {
  const started = Date.now()
  const statuses: number[] = []
  for (let i = 0; i < n; i++) statuses.push(await send(i))
  const refilled = Math.ceil(((Date.now() - started) * perMinute) / 60_000)
  return { statuses, allowed: count(statuses, 401), refilled }
}

describe('admin per-address rate limit over a real port', () => {
  it('ignores X-Forwarded-For by default: 300 bad keys with rotating XFF hit the limit of the socket address', async () => {
    const { refuse, deniedAddresses, warnings } = await serveAdmin()
    const { statuses, allowed, refilled } = await burst(300, (i) =>
      refuse(`198.51.100.${i % 250}, 10.0.0.${i % 250}`),
    )
    expect(allowed).toBeGreaterThanOrEqual(perMinute)
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled)
    expect(count(statuses, 429)).toBe(300 - allowed)
    expect(statuses.slice(0, perMinute)).toEqual(Array(perMinute).fill(401))
    expect(await deniedAddresses()).toEqual(['127.0.0.1'])
    // Logged at the 1st, 10th and 100th of each kind, not once per request.
    expect(warnings('admin key refus')).toHaveLength(3)
    expect(warnings('admin rate limit (address)')).toHaveLength(3)
    expect(warnings('admin rate limit (address) continues')[1]).toMatch(/ip=127\.0\.0\.1 count=100$/)
  })

  it('TRUST_PROXY: XFF from a trusted proxy is honoured; the right-most untrusted hop is the client', async () => {
    const { refuse, deniedAddresses } = await serveAdmin({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' })
    // One client behind the proxy rotating the hops it controls (the left ones) is still one client.
    const { statuses, allowed, refilled } = await burst(perMinute + 30, (i) =>
      refuse(`192.0.2.${i % 250}, 203.0.113.7`),
    )
    expect(allowed).toBeGreaterThanOrEqual(perMinute)
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled)
    expect(count(statuses, 429)).toBe(perMinute + 30 - allowed)
    // Other clients behind the same proxy have their own budgets; trusted hops (10.x) are skipped.
    expect(await refuse('203.0.113.8')).toBe(401)
    expect(await refuse('203.0.113.9, 10.1.2.3')).toBe(401)
    // Without XFF the proxy itself is the client.
    expect(await refuse()).toBe(401)
    expect(await deniedAddresses()).toEqual(['127.0.0.1', '203.0.113.7', '203.0.113.8', '203.0.113.9'])
  })

  it('TRUST_PROXY naming another proxy: a request from an untrusted peer keeps its socket address', async () => {
    const { refuse, deniedAddresses } = await serveAdmin({ TRUST_PROXY: '10.0.0.1' })
    for (let i = 0; i < 5; i++) expect(await refuse(`198.51.100.${i}`)).toBe(401)
    expect(await deniedAddresses()).toEqual(['127.0.0.1'])
  })
})

describe('a brute-force burst never locks out the operator', () => {
  it('after 300 bad keys from one address (429s), the valid key from that same address is served; bad ones stay refused', async () => {
    const { ctx, refuse } = await serveAdmin()
    const server = await listen(ctx.app)
    cleanup.push(() => server.close())
    const { key } = await createAdminKey(ctx.db, { name: 'operator', scope: 'read' })
    const { statuses } = await burst(300, () => refuse())
    expect(count(statuses, 429)).toBeGreaterThan(100)
    const operator = await fetch(`${server.url}/admin/payments`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(operator.status).toBe(200)
    await operator.arrayBuffer()
    expect(await refuse()).toBe(429)
  })
})

describe('unauthenticated refusals cannot flood the audit table or the log', () => {
  /** The admin router on a real SQLite file with a controlled clock and the per-address limit out of the way. */
  async function floodable() {
    const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', seed: false })
    cleanup.push(() => ctx.close())
    const lines: string[] = []
    const clock = { now: Date.parse('2026-03-18T12:00:05Z') }
    const admin = new Hono().route(
      '/admin',
      createAdminRouter({
        db: ctx.db,
        logger: createLogger('debug', (line) => lines.push(line)),
        now: () => clock.now,
        rateLimit: { perKeyPerMinute: 100_000, perIpPerMinute: 100_000 },
        // As behind a trusted proxy at 127.0.0.1, so each request can come from another client address.
        clientAddress: createClientAddress({
          socketAddress: () => '127.0.0.1',
          trustedProxies: ['127.0.0.1'],
        }),
      }),
    )
    admin.onError(createErrorRenderer(createLogger('silent')))
    const refuse = async (client: string, authorization?: string) => {
      const headers: Record<string, string> = { 'x-forwarded-for': client }
      if (authorization) headers.authorization = authorization
      const res = await admin.request('/admin/payments', { headers })
      expect(res.status).toBe(401)
    }
    const denied = async () =>
      (await ctx.db.select().from(adminAudit).where(eq(adminAudit.action, 'auth.denied'))).map((row) => ({
        ...row,
        detail: JSON.parse(row.detail) as { count: number; reasons: Record<string, number> } & Record<
          string,
          unknown
        >,
      }))
    const warnings = () => lines.filter((l) => / WARN {2}admin /.test(l))
    return { clock, refuse, denied, warnings }
  }

  it('2,000 refusals from one address in a minute: one summary row with their count, a handful of WARN lines', async () => {
    const { clock, refuse, denied, warnings } = await floodable()
    const unknownKey = `Bearer x4a_aaaaaaaaaa_${'A'.repeat(43)}`
    const started = performance.now()
    for (let i = 0; i < 2000; i++) {
      await refuse('198.51.100.1', i % 4 === 0 ? undefined : i % 4 === 1 ? 'Bearer junk' : unknownKey)
      clock.now += 20 // 2,000 × 20 ms = 40 s: all within the minute starting 12:00:00
    }
    const ms = performance.now() - started
    const rows = await denied()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      ip: '198.51.100.1',
      keyId: 'aaaaaaaaaa',
      at: Date.parse('2026-03-18T12:00:05Z'),
      detail: {
        count: 2000,
        reasons: { missing: 500, malformed: 500, unknown: 1000 },
        keyIds: ['aaaaaaaaaa'],
        paths: ['/admin/payments'],
        from: '2026-03-18T12:00:00.000Z',
        to: '2026-03-18T12:01:00.000Z',
        lastAt: new Date(clock.now - 20).toISOString(),
      },
    })
    // The first refusal, then one line at 10, 100 and 1,000.
    expect(warnings()).toHaveLength(4)
    expect(warnings()[0]).toMatch(
      /admin key refused reason=missing ip=198\.51\.100\.1 path=\/admin\/payments$/,
    )
    expect(warnings()[3]).toMatch(/admin key refusals continue ip=198\.51\.100\.1 count=1000/)

    // The next minute gets a row of its own.
    clock.now = Date.parse('2026-03-18T12:01:00Z')
    await refuse('198.51.100.1')
    expect((await denied()).map((r) => r.detail.count)).toEqual([2000, 1])
    console.log(
      `2,000 refusals in ${ms.toFixed(0)} ms → ${rows.length} audit row, ${warnings().length} WARN lines`,
    )
  })

  it('200 concurrent refusals from one address: one row, every one counted', async () => {
    const { refuse, denied } = await floodable()
    await Promise.all(Array.from({ length: 200 }, () => refuse('198.51.100.2', 'Bearer junk')))
    const rows = await denied()
    expect(rows.map((r) => [r.ip, r.detail.count, r.detail.reasons])).toEqual([
      ['198.51.100.2', 200, { malformed: 200 }],
    ])
  })

  it('2,000 refusals from 2,000 addresses: at most 101 rows a minute, and every refusal is counted', async () => {
    const { refuse, denied, warnings } = await floodable()
    for (let i = 0; i < 2000; i++) await refuse(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
    const rows = await denied()
    expect(rows).toHaveLength(101)
    expect(rows.reduce((sum, r) => sum + r.detail.count, 0)).toBe(2000)
    const others = rows.filter((r) => r.ip === null)
    expect(others).toHaveLength(1)
    expect(others[0]!.detail).toMatchObject({ count: 1900, addresses: 1900 })
    expect(warnings().length).toBeLessThanOrEqual(105)
  })
})
