import { createServer, type Socket } from 'node:net'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { catalog } from '../../src/catalog'
import { startAnvil } from '../../src/devnet/anvil'
import { loadDashboardAssets } from '../../src/ops/node/dashboard-assets'
import { createTestContext, sampleCandles } from '../helpers/context'
import { freePort, startTestDevnet, type TestDevnet } from '../helpers/devnet'

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

const today = () => new Date().toISOString().slice(0, 10)

interface ReadyBody {
  success: boolean
  ready: boolean
  error?: string
  message?: string
  failing?: string[]
  checks: Record<
    'database' | 'rpc' | 'asset_registry' | 'market_data' | 'shutdown',
    { ok: boolean; ms: number; detail: string }
  >
}

async function ready(app: { request(url: string): Response | Promise<Response> }) {
  const started = Date.now()
  const res = await app.request('http://localhost/ready')
  return { res, body: (await res.json()) as ReadyBody, ms: Date.now() - started }
}

/** A context over `rpcUrl` whose market data ends today (fresh) unless `stale`. */
async function context(
  rpcUrl: string,
  options: { data?: 'fresh' | 'stale' | 'none'; env?: Record<string, string> } = {},
) {
  const data = options.data ?? 'fresh'
  const ctx = await createTestContext({ rpcUrl, seed: data === 'stale', env: options.env })
  if (data === 'fresh')
    await ctx.services.market.saveCandles('1d', sampleCandles(['BTC', 'ETH'], 10, today()), 'csv')
  return ctx
}

describe('/health', () => {
  it('is alive even when every dependency is down', async () => {
    const ctx = await context(`http://127.0.0.1:${await freePort()}`, { data: 'none' })
    try {
      const res = await ctx.app.request('http://localhost/health')
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true })
    } finally {
      ctx.close()
    }
  })
})

describe('/ready', () => {
  it('is 200 on a prepared devnet with fresh data, naming what each check found', async () => {
    const ctx = await context(devnet.rpcUrl)
    try {
      const { res, body } = await ready(ctx.app)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(body).toMatchObject({
        success: true,
        ready: true,
        checks: {
          database: { ok: true, detail: 'writable' },
          rpc: { ok: true, detail: 'chain id 8453' },
          asset_registry: { ok: true, detail: 'matches the chain' },
          market_data: { ok: true, detail: expect.stringMatching(/^1d: 2 symbols, newest \d{4}-\d\d-\d\d$/) },
          shutdown: { ok: true },
        },
      })
      // A passed asset check is reused for a while rather than re-read from the chain on every probe.
      expect((await ready(ctx.app)).body.checks.asset_registry.detail).toMatch(/checked \d+ s ago/)
    } finally {
      ctx.close()
    }
  })

  it('is 503 naming market_data when the newest candle is older than READY_MAX_DATA_AGE_HOURS', async () => {
    const ctx = await context(devnet.rpcUrl, { data: 'stale' })
    try {
      const { res, body } = await ready(ctx.app)
      expect(res.status).toBe(503)
      expect(body).toMatchObject({
        success: false,
        error: 'not_ready',
        ready: false,
        failing: ['market_data'],
      })
      expect(body.message).toBe('not ready: market_data')
      expect(body.checks.market_data.detail).toMatch(
        /^1d newest candle closed 2026-03-19T00:00:00\.000Z, \d+ d ago \(limit 48 h\)$/,
      )
      expect(body.checks.rpc.ok).toBe(true)
    } finally {
      ctx.close()
    }
    const lenient = await context(devnet.rpcUrl, { data: 'stale', env: { READY_MAX_DATA_AGE_HOURS: '0' } })
    try {
      expect((await ready(lenient.app)).res.status).toBe(200)
    } finally {
      lenient.close()
    }
  })

  it('is 503 naming market_data when no data is loaded', async () => {
    const ctx = await context(devnet.rpcUrl, { data: 'none' })
    try {
      const { res, body } = await ready(ctx.app)
      expect(res.status).toBe(503)
      expect(body.failing).toEqual(['market_data'])
      expect(body.checks.market_data.detail).toBe('no daily market data loaded')
    } finally {
      ctx.close()
    }
  })

  it('is 503 naming the database when it refuses writes', async () => {
    const ctx = await context(devnet.rpcUrl)
    try {
      // SQLite's own read-only switch: reads still work, every write fails as on a read-only or full disk.
      await ctx.db.run(sql`PRAGMA query_only = ON`)
      const { res, body } = await ready(ctx.app)
      expect(res.status).toBe(503)
      expect(body.failing).toEqual(['database'])
      expect(body.checks.database.detail).toMatch(/readonly|read-only/i)
    } finally {
      ctx.close()
    }
  })

  it('is 503 naming rpc and asset_registry when the RPC is down, without echoing its URL', async () => {
    const port = await freePort()
    const ctx = await context(`http://127.0.0.1:${port}`, { env: { READY_CHECK_TIMEOUT_MS: '1500' } })
    try {
      const { res, body } = await ready(ctx.app)
      expect(res.status).toBe(503)
      expect(body.failing).toEqual(['rpc', 'asset_registry'])
      expect(JSON.stringify(body)).not.toContain(String(port))
      expect(JSON.stringify(body)).not.toContain('127.0.0.1')
    } finally {
      ctx.close()
    }
  })

  it('answers within READY_CHECK_TIMEOUT_MS when the RPC accepts connections but never answers', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const address = silent.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const ctx = await context(`http://127.0.0.1:${port}`, { env: { READY_CHECK_TIMEOUT_MS: '400' } })
    try {
      const { res, body, ms } = await ready(ctx.app)
      expect(res.status).toBe(503)
      expect(body.failing).toEqual(['rpc', 'asset_registry'])
      expect(body.checks.rpc.detail).toBe('no answer within 400 ms')
      expect(ms).toBeLessThan(2000)
    } finally {
      ctx.close()
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('names a wrong chain id, and an asset registry that does not match the chain', async () => {
    const wrongChain = await startAnvil({ port: await freePort(), chainId: 1 })
    const bareChain = await startAnvil({ port: await freePort() })
    const wrong = await context(wrongChain.rpcUrl)
    const bare = await context(bareChain.rpcUrl)
    try {
      const onWrongChain = await ready(wrong.app)
      expect(onWrongChain.res.status).toBe(503)
      expect(onWrongChain.body.checks.rpc.detail).toBe('RPC chain id is 1, expected 8453')
      expect(onWrongChain.body.failing).toContain('asset_registry')
      // Chain 8453 but none of the devnet contracts: the chain id passes, the assets do not.
      const onBareChain = await ready(bare.app)
      expect(onBareChain.res.status).toBe(503)
      expect(onBareChain.body.failing).toEqual(['asset_registry'])
      expect(onBareChain.body.checks.asset_registry.detail).toMatch(
        /^USDC: no contract code at 0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913; TMAI: no contract code/,
      )
    } finally {
      wrong.close()
      bare.close()
      await Promise.all([wrongChain.stop(), bareChain.stop()])
    }
  })

  it('is 503 naming shutdown once the entry starts draining', async () => {
    const ctx = await context(devnet.rpcUrl)
    try {
      let draining = false
      const app = createApp(ctx.services, catalog, { draining: () => draining })
      expect((await ready(app)).res.status).toBe(200)
      draining = true
      const { res, body } = await ready(app)
      expect(res.status).toBe(503)
      expect(body.failing).toEqual(['shutdown'])
    } finally {
      ctx.close()
    }
  })
})

describe('/dashboard', () => {
  it('serves the page and its assets with a strict CSP; 404 for anything else or when the runtime gave no assets', async () => {
    const ctx = await context(`http://127.0.0.1:${await freePort()}`, { data: 'none' })
    try {
      const app = createApp(ctx.services, catalog, { dashboard: loadDashboardAssets() })
      const page = await app.request('http://localhost/dashboard')
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/)
      expect(await page.text()).toContain('/dashboard/vendor/chart.umd.min.js')
      const chartJs = await app.request('http://localhost/dashboard/vendor/chart.umd.min.js')
      expect(chartJs.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
      expect(await chartJs.text()).toMatch(/Chart\.js v4\.6\.1/)
      for (const missing of ['/dashboard/index.html', '/dashboard/../package.json', '/dashboard/nope.js']) {
        expect((await app.request(`http://localhost${missing}`)).status).toBe(404)
      }
      const without = await ctx.app.request('http://localhost/dashboard')
      expect(without.status).toBe(404)
      expect(await without.json()).toMatchObject({ error: 'not_found', message: /not available/ })
    } finally {
      ctx.close()
    }
  })
})
