import { randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_ADMIN_RATE_LIMIT } from '../../src/admin/router'
import { adminAudit } from '../../src/db/schema/admin'
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
  const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', seed: false, env })
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
  return { ctx, refuse, deniedAddresses }
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
    const { refuse, deniedAddresses } = await serveAdmin()
    const { statuses, allowed, refilled } = await burst(300, (i) =>
      refuse(`198.51.100.${i % 250}, 10.0.0.${i % 250}`),
    )
    expect(allowed).toBeGreaterThanOrEqual(perMinute)
    expect(allowed).toBeLessThanOrEqual(perMinute + refilled)
    expect(count(statuses, 429)).toBe(300 - allowed)
    expect(statuses.slice(0, perMinute)).toEqual(Array(perMinute).fill(401))
    expect(await deniedAddresses()).toEqual(['127.0.0.1'])
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
