import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdminKey, revokeAdminKey, rotateAdminKey } from '../../src/admin/key-store'
import { hashAdminSecret, parseAdminKey } from '../../src/admin/keys'
import { type AdminRouterDeps, createAdminRouter } from '../../src/admin/router'
import { type NewPayment, payments, spendOverrides } from '../../src/db/schema'
import { adminAudit, adminKeys } from '../../src/db/schema/admin'
import { createClientAddress } from '../../src/http/client-address'
import { createErrorRenderer } from '../../src/http/error-renderer'
import { createLogger } from '../../src/lib/logger'
import { createTestContext } from '../helpers/context'

/**
 * The operator API mounted at /admin on the real app (as the lead wires it) over a real SQLite file. No chain is
 * needed: the RPC URL is never contacted by these routes.
 */
const contexts: { close(): void }[] = []
afterEach(() => {
  for (const c of contexts.splice(0)) c.close()
})

async function setup(options: Partial<Pick<AdminRouterDeps, 'rateLimit' | 'pepper'>> = {}) {
  const lines: string[] = []
  const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', seed: false, logLines: lines })
  contexts.push(ctx)
  const clock = { now: Date.parse('2026-03-18T12:00:00Z') }
  // The app mounts the router at /admin with the configured pepper; tests mount their own with a controlled clock,
  // as if behind a trusted proxy at 127.0.0.1 that forwards the client's address (see admin-abuse.test.ts for the
  // socket address over a real port).
  const admin = new Hono().route(
    '/admin',
    createAdminRouter({
      db: ctx.db,
      logger: createLogger('debug', (line) => lines.push(line)),
      now: () => clock.now,
      clientAddress: createClientAddress({
        socketAddress: () => '127.0.0.1',
        trustedProxies: ['127.0.0.1', '10.0.0.0/8'],
      }),
      ...options,
    }),
  )
  // As in app.ts: the app's one error renderer answers for the routes it mounts.
  admin.onError(createErrorRenderer(createLogger('silent')))
  const issued: string[] = []
  const newKey = async (scope: 'read' | 'write' = 'read', expiresAt?: number) => {
    const created = await createAdminKey(ctx.db, {
      name: `ops-${scope}`,
      scope,
      expiresAt,
      now: clock.now,
      pepper: options.pepper,
    })
    issued.push(created.key)
    return created
  }
  const call = (route: string, key?: string, init: RequestInit & { ip?: string } = {}) => {
    const headers = new Headers(init.headers)
    if (key) headers.set('authorization', `Bearer ${key}`)
    if (init.ip) headers.set('x-forwarded-for', `${init.ip}, 10.0.0.1`)
    return admin.request(`/admin${route}`, { ...init, headers })
  }
  return { ctx, admin, clock, lines, issued, newKey, call }
}

async function expectNoSecrets(text: string, keys: string[], pepper?: string) {
  for (const key of keys) {
    const { secret } = parseAdminKey(key)!
    expect(text).not.toContain(key)
    expect(text).not.toContain(secret)
    expect(text).not.toContain(await hashAdminSecret(secret, pepper))
  }
}

let paymentSeq = 0
function payment(overrides: Partial<NewPayment> = {}): NewPayment {
  paymentSeq++
  return {
    id: randomUUID(),
    network: 'eip155:8453',
    asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
    payer: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    nonce: `0x${paymentSeq.toString(16).padStart(64, '0')}`,
    state: 'settled',
    x402Version: 2,
    scheme: 'exact',
    method: 'GET',
    route: '/v1/daily-ohlcv',
    requestKey: 'GET /v1/daily-ohlcv?symbol=ETH',
    amount: '17000',
    assetSymbol: 'USDC',
    usdPrice: '0.017',
    usdValue: '0.017',
    payTo: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    validBefore: 1_900_000_000,
    payload: '{"signature":"0xdeadbeef"}',
    txHash: `0x${'ab'.repeat(32)}`,
    createdAt: Date.parse('2026-03-01T10:00:00Z'),
    updatedAt: Date.parse('2026-03-01T10:00:00Z'),
    ...overrides,
  }
}

describe('admin keys', () => {
  it('a created key works; the database holds only its hash, never the key or secret', async () => {
    const { ctx, call, newKey, clock, lines, issued } = await setup()
    const { key, info } = await newKey('read')
    const res = await call('/payments', key)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, data: [], nextCursor: null })

    const [row] = await ctx.db.select().from(adminKeys).where(eq(adminKeys.id, info.id))
    expect(row).toMatchObject({ scope: 'read', lastUsedAt: clock.now, revokedAt: null })
    expect(row!.secretHash).toBe(await hashAdminSecret(parseAdminKey(key)!.secret))

    // Fold the WAL into the main file, then search every file SQLite wrote.
    await ctx.db.all(sql`PRAGMA wal_checkpoint(TRUNCATE)`)
    const dir = path.dirname(ctx.config.databasePath)
    const bytes = Buffer.concat(readdirSync(dir).map((f) => readFileSync(path.join(dir, f))))
    const { secret } = parseAdminKey(key)!
    expect(bytes.includes(row!.secretHash)).toBe(true) // the search itself works
    expect(bytes.includes(secret)).toBe(false)
    expect(bytes.includes(key)).toBe(false)
    expect(bytes.includes(Buffer.from(secret, 'base64url'))).toBe(false)
    await expectNoSecrets(lines.join('\n'), issued)
  })

  it('missing, malformed, unknown, wrong, revoked and expired keys all get the same 401', async () => {
    const { ctx, admin, call, newKey, clock, lines, issued } = await setup()
    const revoked = await newKey('write')
    const expiring = await newKey('write', clock.now + 60_000)
    expect((await call('/audit', expiring.key)).status).toBe(200)
    expect((await call('/audit', revoked.key)).status).toBe(200)
    await revokeAdminKey(ctx.db, revoked.info.id, clock.now)
    clock.now += 60_000

    const { keyId, secret } = parseAdminKey(revoked.key)!
    const wrongSecret = `x4a_${keyId}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    const unknownId = `x4a_aaaaaaaaaa_${secret}`
    const attempts: [string, RequestInit][] = [
      ['none', {}],
      ['not bearer', { headers: { authorization: `Basic ${revoked.key}` } }],
      ['malformed', { headers: { authorization: 'Bearer x4a_nope' } }],
      ['unknown id', { headers: { authorization: `Bearer ${unknownId}` } }],
      ['wrong secret', { headers: { authorization: `Bearer ${wrongSecret}` } }],
      ['revoked', { headers: { authorization: `Bearer ${revoked.key}` } }],
      ['expired', { headers: { authorization: `Bearer ${expiring.key}` } }],
    ]
    const bodies = new Set<string>()
    for (const [, init] of attempts) {
      const res = await admin.request('/admin/payments', init)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="admin"')
      bodies.add(await res.text())
    }
    expect([...bodies]).toEqual([
      JSON.stringify({ success: false, error: 'unauthorized', message: 'a valid admin key is required' }),
    ])
    // Unknown routes are not revealed to unauthenticated callers either.
    expect((await call('/nothing-here')).status).toBe(401)

    // One summary row for this address and minute, with every reason counted.
    const denied = await ctx.db.select().from(adminAudit).where(eq(adminAudit.action, 'auth.denied'))
    expect(denied).toHaveLength(1)
    expect(denied[0]).toMatchObject({ ip: '127.0.0.1', keyId: null })
    expect(JSON.parse(denied[0]!.detail)).toMatchObject({
      count: 8,
      reasons: { missing: 3, malformed: 1, unknown: 1, bad_secret: 1, revoked: 1, expired: 1 },
      keyIds: ['aaaaaaaaaa', keyId, expiring.info.id],
      paths: ['/admin/payments', '/admin/nothing-here'],
    })
    // Logs name the key id (not redacted), never the key, secret or hash.
    const first = await setup()
    await first.call('/audit', revoked.key)
    expect(first.lines.join('\n')).toContain(`admin key refused kid=${keyId} reason=unknown`)
    await expectNoSecrets([...lines, ...first.lines].join('\n'), [...issued, wrongSecret, unknownId])
  })

  it('a read key cannot write (403); a write key can', async () => {
    const { ctx, call, newKey } = await setup()
    const reader = await newKey('read')
    const writer = await newKey('write')
    const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    const body = JSON.stringify({ maxUsdPerCall: '0.5' })
    const put = (key: string) =>
      call(`/spend-limits/${payer}`, key, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/json' },
      })

    const refused = await put(reader.key)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ success: false, error: 'forbidden' })
    expect((await call(`/spend-limits/${payer}`, reader.key, { method: 'DELETE' })).status).toBe(403)
    expect(await ctx.db.select().from(spendOverrides)).toEqual([])

    expect((await put(writer.key)).status).toBe(200)
    expect((await call(`/spend-limits/${payer}`, reader.key)).status).toBe(200)
  })

  it('rotation: both keys work until the old one is revoked', async () => {
    const { ctx, call, newKey, clock, lines, issued } = await setup()
    const old = await newKey('write', clock.now + 30 * 86_400_000)
    clock.now += 86_400_000
    const rotated = await rotateAdminKey(ctx.db, old.info.id, { now: clock.now })
    if ('error' in rotated) throw new Error(rotated.error)
    issued.push(rotated.key)
    expect(rotated.info).toMatchObject({
      name: old.info.name,
      scope: 'write',
      rotatedFrom: old.info.id,
      expiresAt: clock.now + 30 * 86_400_000,
    })
    expect((await call('/audit', old.key)).status).toBe(200)
    expect((await call('/audit', rotated.key)).status).toBe(200)
    await revokeAdminKey(ctx.db, old.info.id, clock.now)
    expect((await call('/audit', old.key)).status).toBe(401)
    expect((await call('/audit', rotated.key)).status).toBe(200)
    expect(await rotateAdminKey(ctx.db, old.info.id)).toEqual({ error: 'revoked' })
    expect(await rotateAdminKey(ctx.db, 'zzzzzzzzzz')).toEqual({ error: 'not_found' })
    await expectNoSecrets(lines.join('\n'), issued)
  })

  it('a pepper changes the stored hash, and keys only verify with the same pepper', async () => {
    const peppered = await setup({ pepper: 'deployment-pepper' })
    const { key, info } = await peppered.newKey('read')
    expect((await peppered.call('/audit', key)).status).toBe(200)
    const [row] = await peppered.ctx.db.select().from(adminKeys).where(eq(adminKeys.id, info.id))
    expect(row!.secretHash).toBe(await hashAdminSecret(parseAdminKey(key)!.secret, 'deployment-pepper'))

    const plain = await setup()
    const unpeppered = await createAdminKey(plain.ctx.db, { name: 'x', scope: 'read', pepper: 'other' })
    expect((await plain.call('/audit', unpeppered.key)).status).toBe(401)
  })

  it('the audit table records create, use, rotate, revoke and override steps, never secrets', async () => {
    const { ctx, call, newKey, clock, issued } = await setup()
    const writer = await newKey('write')
    const payer = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
    const put = await call(`/spend-limits/${payer}`, writer.key, {
      method: 'PUT',
      body: JSON.stringify({ maxUsdPerDay: '2.5', note: 'trusted agent' }),
      ip: '198.51.100.4',
    })
    expect(put.status).toBe(200)
    expect((await call(`/spend-limits/${payer}`, writer.key, { method: 'DELETE' })).status).toBe(200)
    const rotated = await rotateAdminKey(ctx.db, writer.info.id, { now: clock.now })
    if ('error' in rotated) throw new Error(rotated.error)
    issued.push(rotated.key)
    await revokeAdminKey(ctx.db, writer.info.id, clock.now)

    const res = await call('/audit?limit=200', rotated.key)
    expect(res.status).toBe(200)
    const text = await res.text()
    await expectNoSecrets(text, issued)
    const { data } = JSON.parse(text) as {
      data: { keyId: string | null; action: string; detail: Record<string, unknown>; ip: string | null }[]
    }
    // Newest first; the audit read itself is recorded after it answers.
    expect(data.map(({ keyId, action, detail, ip }) => ({ keyId, action, detail, ip })).reverse()).toEqual([
      {
        keyId: writer.info.id,
        action: 'key.create',
        detail: { name: 'ops-write', scope: 'write', expiresAt: null },
        ip: null,
      },
      {
        keyId: writer.info.id,
        action: 'spend_override.set',
        detail: {
          payer,
          maxUsdPerCall: null,
          maxUsdPerHour: null,
          maxUsdPerDay: '2.5',
          note: 'trusted agent',
          updatedAt: new Date(clock.now).toISOString(),
        },
        ip: '198.51.100.4',
      },
      {
        keyId: writer.info.id,
        action: 'key.use',
        detail: { method: 'PUT', path: `/admin/spend-limits/${payer}`, status: 200 },
        ip: '198.51.100.4',
      },
      expect.objectContaining({ keyId: writer.info.id, action: 'spend_override.delete', ip: '127.0.0.1' }),
      {
        keyId: writer.info.id,
        action: 'key.use',
        detail: { method: 'DELETE', path: `/admin/spend-limits/${payer}`, status: 200 },
        ip: '127.0.0.1',
      },
      {
        keyId: rotated.info.id,
        action: 'key.rotate',
        detail: { from: writer.info.id, name: 'ops-write', scope: 'write', expiresAt: null },
        ip: null,
      },
      { keyId: writer.info.id, action: 'key.revoke', detail: { name: 'ops-write' }, ip: null },
    ])
    const all = await ctx.db.select().from(adminAudit)
    expect(all.at(-1)).toMatchObject({ keyId: rotated.info.id, action: 'key.use' })
    expect(JSON.parse(all.at(-1)!.detail)).toEqual({ method: 'GET', path: '/admin/audit', status: 200 })
  })

  it('rate limits per key and per client address with 429 and Retry-After', async () => {
    const { call, newKey, clock } = await setup({ rateLimit: { perKeyPerMinute: 3, perIpPerMinute: 5 } })
    const a = await newKey('read')
    const b = await newKey('read')
    const statuses = async (n: number, key: string | undefined, ip: string) => {
      const out: number[] = []
      for (let i = 0; i < n; i++) out.push((await call('/audit', key, { ip })).status)
      return out
    }
    // Per key: the 4th call within the minute is refused, from any address.
    expect(await statuses(3, a.key, '203.0.113.1')).toEqual([200, 200, 200])
    const limited = await call('/audit', a.key, { ip: '203.0.113.2' })
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBe(20)
    expect(await limited.json()).toMatchObject({
      success: false,
      error: 'rate_limited',
      retryAfterSeconds: 20,
    })
    // Per address: 5 failed attempts a minute; authenticated requests do not count, and are never refused for them.
    expect(await statuses(3, b.key, '203.0.113.9')).toEqual([200, 200, 200])
    expect(await statuses(6, undefined, '203.0.113.9')).toEqual([401, 401, 401, 401, 401, 429])
    const c = await newKey('read')
    expect(await statuses(2, c.key, '203.0.113.9')).toEqual([200, 200])
    expect(await statuses(1, 'Bearer junk', '203.0.113.9')).toEqual([429])
    expect(await statuses(1, b.key, '203.0.113.10')).toEqual([429])
    clock.now += 60_000
    expect(await statuses(1, a.key, '203.0.113.1')).toEqual([200])
    expect(await statuses(1, b.key, '203.0.113.9')).toEqual([200])
  })
})

describe('spend limits', () => {
  it('PUT stores a validated, lower-cased override in micro-dollars that the limiter applies; GET and DELETE', async () => {
    const { ctx, call, newKey } = await setup()
    const { key } = await newKey('write')
    const mixed = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
    const payer = mixed.toLowerCase()
    const res = await call(`/spend-limits/${mixed}`, key, {
      method: 'PUT',
      body: JSON.stringify({
        maxUsdPerCall: '0.05',
        maxUsdPerHour: '1.000001',
        maxUsdPerDay: '0',
        note: ' blocked ',
      }),
    })
    expect(res.status).toBe(200)
    const expected = {
      payer,
      maxUsdPerCall: '0.05',
      maxUsdPerHour: '1.000001',
      maxUsdPerDay: '0',
      note: 'blocked',
    }
    expect((await res.json()).data).toMatchObject(expected)
    expect(await ctx.db.select().from(spendOverrides)).toMatchObject([
      { payer, maxUsdMicrosPerCall: 50_000, maxUsdMicrosPerHour: 1_000_001, maxUsdMicrosPerDay: 0 },
    ])
    const caps = await ctx.services.limiter.capsFor(payer)
    expect(caps.perCall).toEqual({ cap: 50_000n, setBy: 'override' })
    expect((await (await call(`/spend-limits/${payer}`, key)).json()).data).toMatchObject(expected)

    // PUT replaces the whole override.
    await call(`/spend-limits/${payer}`, key, { method: 'PUT', body: JSON.stringify({ maxUsdPerDay: '3' }) })
    expect(await ctx.db.select().from(spendOverrides)).toMatchObject([
      {
        payer,
        maxUsdMicrosPerCall: null,
        maxUsdMicrosPerHour: null,
        maxUsdMicrosPerDay: 3_000_000,
        note: null,
      },
    ])

    expect((await call(`/spend-limits/${payer}`, key, { method: 'DELETE' })).status).toBe(200)
    expect(await ctx.db.select().from(spendOverrides)).toEqual([])
    const gone = await call(`/spend-limits/${payer}`, key)
    expect(gone.status).toBe(404)
    expect((await call(`/spend-limits/${payer}`, key, { method: 'DELETE' })).status).toBe(404)
  })

  it.each([
    ['0x123', { maxUsdPerCall: '1' }, 'payer'],
    ['0x90F79bf6EB2c4f870365E785982E1f101E93b907', { maxUsdPerCall: '1' }, 'payer'], // bad checksum
    [null, { maxUsdPerCall: 0.5 }, 'maxUsdPerCall'],
    [null, { maxUsdPerCall: '0.1234567' }, 'maxUsdPerCall'],
    [null, { maxUsdPerHour: '-1' }, 'maxUsdPerHour'],
    [null, { maxUsdPerDay: '1e3' }, 'maxUsdPerDay'],
    [null, { maxUsdPerDay: '1000000000' }, 'maxUsdPerDay'],
    [null, { maxUsdPerDay: '1', extra: true }, 'extra'],
    [null, { note: 'only a note' }, 'body'],
    [null, 'not json', 'body'],
    [null, { maxUsdPerDay: '1', note: 'x'.repeat(501) }, 'note'],
  ])(
    'PUT %s with a bad body or address -> 400 naming the parameter (%#)',
    async (address, body, parameter) => {
      const { ctx, call, newKey } = await setup()
      const { key } = await newKey('write')
      const res = await call(
        `/spend-limits/${address ?? '0x90f79bf6eb2c4f870365e785982e1f101e93b906'}`,
        key,
        {
          method: 'PUT',
          body: typeof body === 'string' ? body : JSON.stringify(body),
        },
      )
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ success: false, error: 'invalid_parameter', parameter })
      expect(await ctx.db.select().from(spendOverrides)).toEqual([])
    },
  )
})

describe('ledger views', () => {
  it('revenue sums settled payments exactly: bigint per asset, exact USD decimals', async () => {
    const { ctx, call, newKey } = await setup()
    const { key } = await newKey('read')
    const tmai = {
      asset: '0xca4569949699d56e1834efe9f58747ca0f151b01',
      assetSymbol: 'TMAI',
      amount: '21857142857142857143', // > 2^64
      usdValue: '0.0153',
      discount: '0.1',
      rateUsd: '0.0007',
    }
    const day1 = Date.parse('2026-03-01T10:00:00Z')
    const day2 = Date.parse('2026-03-02T23:59:59Z')
    await ctx.db.insert(payments).values([
      payment({ createdAt: day1 }),
      payment({ createdAt: day1, amount: '9007199254740993' }), // 2^53 + 1
      payment({ createdAt: day2, ...tmai }),
      payment({ createdAt: day2, ...tmai }),
      payment({ createdAt: day2, ...tmai, route: '/v1/price', usdPrice: '0.034', usdValue: '0.0306' }),
      // Not revenue: failed, released, pending, and outside the range.
      payment({ createdAt: day1, state: 'failed', amount: '1' }),
      payment({ createdAt: day1, state: 'released', amount: '1' }),
      payment({ createdAt: day2, ...tmai, state: 'pending' }),
      payment({ createdAt: Date.parse('2026-03-03T00:00:00Z') }),
    ])
    const usdc = {
      network: 'eip155:8453',
      asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
      assetSymbol: 'USDC',
    }
    const tmaiAsset = { network: 'eip155:8453', asset: tmai.asset, assetSymbol: 'TMAI' }

    const byToken = await (await call('/revenue?from=2026-03-01&to=2026-03-02&groupBy=token', key)).json()
    expect(byToken.data).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      groupBy: 'token',
      groups: [
        {
          key: usdc.asset,
          payments: 2,
          amounts: [{ ...usdc, amount: '9007199254757993' }],
          usdListTotal: '0.034',
          usdValueTotal: '0.034',
        },
        {
          key: tmai.asset,
          payments: 3,
          amounts: [{ ...tmaiAsset, amount: '65571428571428571429' }],
          usdListTotal: '0.068',
          usdValueTotal: '0.0612',
        },
      ],
      totals: {
        payments: 5,
        amounts: [
          { ...tmaiAsset, amount: '65571428571428571429' },
          { ...usdc, amount: '9007199254757993' },
        ],
        usdListTotal: '0.102',
        usdValueTotal: '0.0952',
      },
    })

    const byEndpoint = await (await call('/revenue?to=2026-03-02', key)).json()
    expect(byEndpoint.data.groupBy).toBe('endpoint')
    expect(byEndpoint.data.groups.map((g: { key: string; payments: number }) => [g.key, g.payments])).toEqual(
      [
        ['/v1/daily-ohlcv', 4],
        ['/v1/price', 1],
      ],
    )
    const byDay = await (await call('/revenue?groupBy=day', key)).json()
    expect(
      byDay.data.groups.map((g: { key: string; usdListTotal: string }) => [g.key, g.usdListTotal]),
    ).toEqual([
      ['2026-03-01', '0.034'],
      ['2026-03-02', '0.068'],
      ['2026-03-03', '0.017'],
    ])
    expect(byDay.data.totals.usdListTotal).toBe('0.119')

    for (const [query, parameter] of [
      ['groupBy=payer', 'groupBy'],
      ['from=yesterday', 'from'],
      ['from=2026-03-02&to=2026-03-01', 'to'],
      ['sort=asc', 'sort'],
    ]) {
      const res = await call(`/revenue?${query}`, key)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter })
    }
  })

  it('paging returns every matching row exactly once, newest first, without payloads', async () => {
    const { ctx, call, newKey } = await setup()
    const { key } = await newKey('read')
    const base = Date.parse('2026-02-01T00:00:00Z')
    // Many rows share a created_at, so the cursor must break ties on id.
    const rows = Array.from({ length: 47 }, (_, i) =>
      payment({
        createdAt: base + Math.floor(i / 4) * 1000,
        state: i % 5 === 0 ? 'failed' : 'settled',
        ...(i % 3 === 0 ? { payer: '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65' } : {}),
      }),
    )
    await ctx.db.insert(payments).values(rows)

    const walk = async (query: string) => {
      const seen: string[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const res = await call(`/payments?${query}${cursor ? `&cursor=${cursor}` : ''}`, key)
        expect(res.status).toBe(200)
        const body = (await res.json()) as { data: Record<string, unknown>[]; nextCursor: string | null }
        expect(body.data.length).toBeLessThanOrEqual(5)
        for (const row of body.data) {
          expect(row).not.toHaveProperty('payload')
          seen.push(row.id as string)
        }
        cursor = body.nextCursor
        pages++
      } while (cursor && pages < 100)
      return seen
    }
    const all = await walk('limit=5')
    expect(all).toHaveLength(47)
    expect(new Set(all).size).toBe(47)
    const order = [...rows]
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map((r) => r.id)
    expect(all).toEqual(order)

    const payer = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65'
    const filtered = await walk(`limit=5&payer=${payer}&state=settled&asset=usdc&route=/v1/daily-ohlcv`)
    const expected = rows.filter((_r, i) => i % 3 === 0 && i % 5 !== 0).map((r) => r.id)
    expect(filtered.sort()).toEqual(expected.sort())
    expect(
      await walk('limit=5&asset=0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913&from=2026-02-01T00:00:10Z'),
    ).toHaveLength(7)

    for (const [query, parameter] of [
      ['limit=201', 'limit'],
      ['limit=0', 'limit'],
      ['cursor=garbage', 'cursor'],
      ['state=lost', 'state'],
      ['payer=0xnope', 'payer'],
    ]) {
      const res = await call(`/payments?${query}`, key)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter })
    }
  })

  it('settlements lists pending and failed payments with reasons and tx hashes', async () => {
    const { ctx, call, newKey } = await setup()
    const { key } = await newKey('read')
    const pending = payment({ state: 'pending', createdAt: Date.parse('2026-03-01T10:00:02Z') })
    const failed = payment({
      state: 'failed',
      failureReason: 'transfer_reverted',
      txHash: `0x${'cd'.repeat(32)}`,
    })
    await ctx.db.insert(payments).values([pending, failed, payment({ state: 'settled' })])
    const both = await (await call('/settlements', key)).json()
    expect(both.data).toMatchObject([
      { id: pending.id, state: 'pending', txHash: pending.txHash },
      { id: failed.id, state: 'failed', failureReason: 'transfer_reverted', txHash: failed.txHash },
    ])
    expect(both.data[0]).not.toHaveProperty('payload')
    const onlyFailed = await (await call('/settlements?state=failed', key)).json()
    expect(onlyFailed.data.map((r: { id: string }) => r.id)).toEqual([failed.id])
    expect((await call('/settlements?state=settled', key)).status).toBe(400)
  })
})

describe('time bounds', () => {
  it.each([
    ['/payments?from=2026-02-30', 'from'],
    ['/payments?to=2026-02-29', 'to'], // 2026 is not a leap year
    ['/revenue?from=2026-04-31', 'from'],
    ['/revenue?from=2026-00-10', 'from'],
    ['/revenue?to=2026-13-01', 'to'],
    ['/payments?from=2026-02-30T10:00:00Z', 'from'],
    ['/payments?from=2026-03-01T25:00:00Z', 'from'],
    ['/payments?from=yesterday', 'from'],
  ])('%s → 400 invalid_parameter naming %s', async (route, parameter) => {
    const { call, newKey } = await setup()
    const { key } = await newKey('read')
    const res = await call(route, key)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body).toMatchObject({ success: false, error: 'invalid_parameter', parameter })
    expect(body.message).toMatch(new RegExp(`^${parameter}: (no such date|a date \\(YYYY-MM-DD\\))`))
    if (route.endsWith('2026-02-30')) expect(body.message).toBe('from: no such date: 2026-02-30')
  })

  it('accepts real dates, leap days, ISO times with offsets and unix ms', async () => {
    const { call, newKey } = await setup()
    const { key } = await newKey('read')
    for (const route of [
      '/payments?from=2024-02-29&to=2024-03-01',
      '/revenue?from=2026-02-28T23:30:00-05:00',
      '/revenue?from=1772323200000&groupBy=day',
    ]) {
      expect((await call(route, key)).status, route).toBe(200)
    }
  })
})

describe('the app mounts the admin API', () => {
  it('answers /admin without a key with 401 and a key made for it works', async () => {
    const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9', seed: false })
    contexts.push(ctx)
    expect((await ctx.app.request('/admin/payments')).status).toBe(401)
    const { key } = await createAdminKey(ctx.db, { name: 'ops', scope: 'read' })
    const ok = await ctx.app.request('/admin/settlements', { headers: { authorization: `Bearer ${key}` } })
    expect(ok.status).toBe(200)
  })
})
