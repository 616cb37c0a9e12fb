import { createPublicClient, http, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminKey, revokeAdminKey } from '../../src/admin/key-store'
import { createApp } from '../../src/app'
import { catalog } from '../../src/catalog'
import { withRpcErrorMetrics } from '../../src/chain/rpc-error-metrics'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { candleCloseMs } from '../../src/market-data/freshness'
import { createPrometheusMetrics, METRIC_NAMES } from '../../src/ops/metrics'
import { reconcileOnce } from '../../src/payments/reconciler'
import { createTestContext } from '../helpers/context'
import { freePort, startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'
import { parseExposition } from '../helpers/prometheus'

const PAID = 'http://localhost/v1/daily-ohlcv?symbol=BTC&limit=2'
const M = METRIC_NAMES

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

/** The real app with its own metrics object (so the test can also drive the recording functions). */
async function setup(env: Record<string, string> = {}) {
  const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env })
  const metrics = createPrometheusMetrics({ db: ctx.db })
  const app = createApp(ctx.services, catalog, { metrics })
  const { key } = await createAdminKey(ctx.db, { name: 'prometheus', scope: 'read' })
  const scrape = async () => {
    const res = await app.request('http://localhost/metrics', { headers: { authorization: `Bearer ${key}` } })
    expect(res.status).toBe(200)
    const text = await res.text()
    return { text, metrics: parseExposition(text) }
  }
  const pay = async (payer = devnetAccount(1)) => {
    const header = v2Header(await signUsdcAuthorization(payer))
    return app.request(PAID, { headers: { 'PAYMENT-SIGNATURE': header } })
  }
  return { ctx, app, metrics, key, scrape, pay }
}

describe('/metrics', () => {
  it('the payment core records into it: 402s, settled and refused payments, verify / handler / settle durations', async () => {
    const live = await createTestContext({ rpcUrl: devnet.rpcUrl, withMetrics: true })
    try {
      const { key } = await createAdminKey(live.db, { name: 'prometheus', scope: 'read' })
      expect((await live.app.request(PAID)).status).toBe(402)
      const paid = await live.app.request(PAID, {
        headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(2))) },
      })
      expect(paid.status).toBe(200)
      const forged = await signUsdcAuthorization(devnetAccount(3), { signer: devnetAccount(4) })
      expect(
        (await live.app.request(PAID, { headers: { 'PAYMENT-SIGNATURE': v2Header(forged) } })).status,
      ).toBe(402)
      const res = await live.app.request('http://localhost/metrics', {
        headers: { authorization: `Bearer ${key}` },
      })
      const m = parseExposition(await res.text())
      expect(m.value(M.challenges, { route: '/v1/daily-ohlcv', reason: 'payment_required' })).toBe(1)
      expect(m.value(M.challenges, { route: '/v1/daily-ohlcv', reason: 'invalid_exact_evm_signature' })).toBe(
        1,
      )
      expect(m.value(M.payments, { outcome: 'settled', asset: 'USDC', reason: '' })).toBe(1)
      expect(
        m.value(M.payments, { outcome: 'refused', asset: 'USDC', reason: 'invalid_exact_evm_signature' }),
      ).toBe(1)
      expect(m.value(`${M.verifyDuration}_count`, { asset: 'USDC' })).toBe(2)
      expect(m.value(`${M.handlerDuration}_count`, { route: '/v1/daily-ohlcv' })).toBe(1)
      expect(m.value(`${M.settleDuration}_count`, { asset: 'USDC', outcome: 'settled' })).toBe(1)
    } finally {
      live.close()
    }
  })

  it('needs an admin key: none, a wrong one and a revoked one get the same 401', async () => {
    const { ctx, app, key } = await setup()
    try {
      const none = await app.request('http://localhost/metrics')
      expect(none.status).toBe(401)
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(await none.json()).toMatchObject({ success: false, error: 'unauthorized' })
      const wrong = await app.request('http://localhost/metrics', {
        headers: { authorization: `Bearer ${key.slice(0, -2)}xx` },
      })
      expect(wrong.status).toBe(401)
      const old = await createAdminKey(ctx.db, { name: 'old', scope: 'read' })
      await revokeAdminKey(ctx.db, old.info.id)
      const revoked = await app.request('http://localhost/metrics', {
        headers: { authorization: `Bearer ${old.key}` },
      })
      expect(revoked.status).toBe(401)
      const ok = await app.request('http://localhost/metrics', {
        headers: { authorization: `Bearer ${key}` },
      })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      expect(ok.headers.get('cache-control')).toBe('no-store')
    } finally {
      ctx.close()
    }
  })

  it('a settled payment moves the revenue figures; routes are patterns and no payer address appears', async () => {
    const { ctx, app, scrape, pay } = await setup()
    try {
      const before = (await scrape()).metrics
      expect(before.types.get(M.revenueUsdMicros)).toBe('counter')
      expect(before.value(M.revenueUsdMicros, { asset: 'USDC' })).toBeUndefined()

      expect((await app.request(PAID)).status).toBe(402)
      expect((await pay()).status).toBe(200)
      expect((await pay(devnetAccount(2))).status).toBe(200)
      await app.request('http://localhost/admin/spend-limits/0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
      await app.request('http://localhost/no/such/page?x=1')

      const { text, metrics: after } = await scrape()
      expect(after.value(M.revenueUsdMicros, { asset: 'USDC' })).toBe(34_000)
      expect(after.value(M.revenueAtomic, { network: 'eip155:8453', asset: 'USDC' })).toBe(34_000)
      expect(after.value(M.discountUsdMicros, { asset: 'USDC' })).toBe(0)
      expect(after.value(M.ledgerPayments, { state: 'settled' })).toBe(2)
      expect(after.value(M.ledgerPayments, { state: 'pending' })).toBe(0)
      expect(after.types.get(M.ledgerPayments)).toBe('gauge')

      const http402 = { method: 'GET', route: '/v1/daily-ohlcv', status: '402' }
      expect(after.value(M.httpRequests, http402)).toBe(1)
      expect(after.value(M.httpRequests, { ...http402, status: '200' })).toBe(2)
      expect(after.value(M.httpRequests, { route: '/admin/spend-limits/:payer', status: '401' })).toBe(1)
      expect(after.value(M.httpRequests, { route: 'unmatched', status: '404' })).toBe(1)
      expect(after.value(`${M.httpDuration}_count`, { method: 'GET', route: '/v1/daily-ohlcv' })).toBe(3)
      const routes = new Set(after.find(M.httpRequests).map((s) => s.labels.route))
      expect([...routes].every((r) => r === 'unmatched' || r?.startsWith('/'))).toBe(true)
      expect(text).not.toContain('?')
      expect(text).not.toMatch(/0x[0-9a-fA-F]{40}/)
    } finally {
      ctx.close()
    }
  })

  it('a pending settlement is unsettled exposure until the reconciler settles it into revenue', async () => {
    const { ctx, metrics, scrape, pay } = await setup({ SETTLEMENT_TIMEOUT_MS: '300' })
    await devnet.testClient.setAutomine(false)
    try {
      const res = await pay(devnetAccount(3))
      expect(res.status).toBe(503)
      const pending = (await scrape()).metrics
      expect(pending.value(M.unsettledUsdMicros, { asset: 'USDC' })).toBe(17_000)
      expect(pending.value(M.unsettledAtomic, { network: 'eip155:8453', asset: 'USDC' })).toBe(17_000)
      expect(pending.value(M.ledgerPayments, { state: 'pending' })).toBe(1)
      expect(pending.value(M.revenueUsdMicros, { asset: 'USDC' })).toBeUndefined()

      await devnet.testClient.mine({ blocks: 1 })
      // What the reconciler loop will do once the integrator wires it: record each pass's summary.
      const summary = await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })
      metrics.recordReconcileRun(summary)
      const settled = (await scrape()).metrics
      expect(settled.value(M.unsettledUsdMicros, { asset: 'USDC' })).toBeUndefined()
      expect(settled.value(M.revenueUsdMicros, { asset: 'USDC' })).toBe(17_000)
      expect(settled.value(M.reconcilerRuns, { result: 'ok' })).toBe(1)
      expect(settled.value(M.reconcilerRuns, { result: 'error' })).toBe(0)
      expect(settled.value(M.reconcilerResolutions, { outcome: 'settled' })).toBe(1)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })

  it('the recording functions show up with bounded labels, histograms with buckets', async () => {
    const { ctx, metrics, scrape } = await setup()
    try {
      metrics.recordChallenge({ route: '/v1/daily-ohlcv', reason: 'payment_required' })
      metrics.recordPaymentOutcome({ outcome: 'settled', asset: 'USDC' })
      metrics.recordPaymentOutcome({ outcome: 'refused', asset: 'TMAI', reason: 'spend_limit_exceeded' })
      // Whatever a caller passes, a label never carries an address, a URL or free text.
      metrics.recordPaymentOutcome({
        outcome: 'refused',
        asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
        reason: 'bad payer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      })
      metrics.recordChallenge({ route: 'https://evil.example/?q=1', reason: 'payment_required' })
      metrics.observeVerifySeconds({ asset: 'USDC', seconds: 0.004 })
      metrics.observeHandlerSeconds({ route: '/v1/daily-ohlcv', seconds: 0.0002 })
      metrics.observeSettleSeconds({ asset: 'USDC', outcome: 'settled', seconds: 1.5 })
      metrics.recordReconcileError()
      const { text, metrics: m } = await scrape()
      expect(m.value(M.challenges, { route: '/v1/daily-ohlcv', reason: 'payment_required' })).toBe(1)
      expect(m.value(M.challenges, { route: 'other', reason: 'payment_required' })).toBe(1)
      expect(m.value(M.payments, { outcome: 'settled', asset: 'USDC', reason: '' })).toBe(1)
      expect(m.value(M.payments, { outcome: 'refused', asset: 'TMAI', reason: 'spend_limit_exceeded' })).toBe(
        1,
      )
      expect(m.value(M.payments, { outcome: 'refused', asset: 'other', reason: 'other' })).toBe(1)
      expect(m.types.get(M.settleDuration)).toBe('histogram')
      expect(m.value(`${M.settleDuration}_bucket`, { asset: 'USDC', outcome: 'settled', le: '1' })).toBe(0)
      expect(m.value(`${M.settleDuration}_bucket`, { asset: 'USDC', outcome: 'settled', le: '2' })).toBe(1)
      expect(m.value(`${M.settleDuration}_sum`, { asset: 'USDC', outcome: 'settled' })).toBe(1.5)
      expect(m.value(`${M.verifyDuration}_count`, { asset: 'USDC' })).toBe(1)
      expect(m.value(`${M.handlerDuration}_count`, { route: '/v1/daily-ohlcv' })).toBe(1)
      expect(m.value(M.reconcilerRuns, { result: 'error' })).toBe(1)
      expect(text).not.toMatch(/0x[0-9a-fA-F]{40}/)
      expect(text).not.toContain('evil.example')
    } finally {
      ctx.close()
    }
  })

  it('reports market-data age per stored interval', async () => {
    const { ctx, scrape } = await setup()
    try {
      const started = Date.now()
      const age = (await scrape()).metrics
      // sampleCandles() ends on 2026-03-18; there are no hourly bars.
      const expected = (started - candleCloseMs('1d', '2026-03-18')) / 1000
      expect(age.value(M.marketDataAge, { interval: '1d' })).toBeGreaterThanOrEqual(Math.floor(expected) - 1)
      expect(age.value(M.marketDataAge, { interval: '1d' })).toBeLessThanOrEqual(Math.ceil(expected) + 5)
      expect(age.value(M.marketDataAge, { interval: '1h' })).toBeUndefined()
    } finally {
      ctx.close()
    }
  })
})

describe('withRpcErrorMetrics', () => {
  it('counts failed JSON-RPC calls by method, but not contract reverts', async () => {
    const metrics = createPrometheusMetrics({ db: (await createTestContext({ rpcUrl: devnet.rpcUrl })).db })
    const live = createPublicClient({
      chain: devnet.chain,
      transport: withRpcErrorMetrics(http(devnet.rpcUrl, { retryCount: 0 }), metrics),
    })
    const dead = createPublicClient({
      chain: devnet.chain,
      transport: withRpcErrorMetrics(
        http(`http://127.0.0.1:${await freePort()}`, { retryCount: 0 }),
        metrics,
      ),
    })
    expect(await live.getChainId()).toBe(8453)
    await expect(dead.getChainId()).rejects.toThrow()
    await expect(dead.getBlockNumber({ cacheTime: 0 })).rejects.toThrow()
    await expect(live.request({ method: 'eth_noSuchMethod' as 'eth_chainId' })).rejects.toThrow()
    // An account without USDC cannot transfer it: the node answers "reverted", which is not an RPC error.
    await expect(
      live.simulateContract({
        account: '0x000000000000000000000000000000000000dEaD',
        address: NETWORKS.devnet.usdc.address,
        abi: parseAbi(['function transfer(address to, uint256 value) returns (bool)']),
        functionName: 'transfer',
        args: [devnetAccount(1).address, 1n],
      }),
    ).rejects.toThrow(/revert|exceeds balance/i)
    const m = parseExposition((await metrics.scrape()).body)
    expect(m.value(M.rpcErrors, { call: 'eth_chainId' })).toBe(1)
    expect(m.value(M.rpcErrors, { call: 'eth_blockNumber' })).toBe(1)
    expect(m.value(M.rpcErrors, { call: 'eth_noSuchMethod' })).toBe(1)
    expect(m.value(M.rpcErrors, { call: 'eth_call' })).toBeUndefined()
  })
})
