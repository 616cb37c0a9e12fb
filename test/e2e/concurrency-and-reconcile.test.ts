import { createWalletClient, http, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import type { Endpoint } from '../../src/catalog/types'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { reconcileOnce } from '../../src/payments/reconciler'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v1Header, v2Header } from '../helpers/payments'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=BTC&limit=2'
const payTo = devnetAccount(0).address
const usdc = NETWORKS.devnet.usdc.address

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

/** The catalog with the daily-ohlcv handler wrapped to count how often it runs. */
function countingCatalog() {
  const counter = { runs: 0 }
  const endpoints: Endpoint[] = catalog.map((e) =>
    e.path === '/v1/daily-ohlcv'
      ? {
          ...e,
          run: (input, deps) => {
            counter.runs++
            return e.run(input, deps)
          },
        }
      : e,
  )
  return { endpoints, counter }
}

describe('one payment, many requests', () => {
  it('50 concurrent requests with the same header: the handler runs once and one transfer settles', async () => {
    const { endpoints, counter } = countingCatalog()
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, endpoints })
    const payer = devnetAccount(1)
    const before = await devnet.usdcBalance(payer.address)
    const header = v2Header(await signUsdcAuthorization(payer))
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        Promise.resolve(ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })),
      ),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s >= 500)).toEqual([])
    for (const res of responses.filter((r) => r.status !== 200)) {
      expect([402, 409]).toContain(res.status)
      const body = (await res.json()) as { error: string }
      expect(['payment_in_progress', 'invalid_exact_evm_nonce_already_used']).toContain(body.error)
    }
    expect(counter.runs).toBe(1)
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    const rows = await ctx.payments({ payer: payer.address })
    expect(rows.map((r) => r.state)).toEqual(['settled'])
    ctx.close()
  })

  it('the same authorization sent as v1 and v2 at once is still served once', async () => {
    const { endpoints, counter } = countingCatalog()
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, endpoints })
    const payer = devnetAccount(2)
    const payment = await signUsdcAuthorization(payer)
    const responses = await Promise.all([
      ...Array.from({ length: 10 }, () =>
        ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': v2Header(payment) } }),
      ),
      ...Array.from({ length: 10 }, () =>
        ctx.app.request(PATH, { headers: { 'X-PAYMENT': v1Header(payment) } }),
      ),
    ])
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1)
    expect(counter.runs).toBe(1)
    ctx.close()
  })

  it('concurrent distinct payments from one settlement key do not collide on account nonces', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payers = [3, 4, 5, 6, 7, 8].map(devnetAccount)
    const headers = await Promise.all(payers.map(async (p) => v2Header(await signUsdcAuthorization(p))))
    const payToBefore = await devnet.usdcBalance(payTo)
    const responses = await Promise.all(
      headers.map((h) => ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': h } })),
    )
    expect(responses.map((r) => r.status)).toEqual(payers.map(() => 200))
    expect(await devnet.usdcBalance(payTo)).toBe(payToBefore + 17_000n * BigInt(payers.length))
    const hashes = new Set((await ctx.payments({ state: 'settled' })).map((r) => r.txHash))
    expect(hashes.size).toBe(payers.length)
    ctx.close()
  })
})

describe('settlement that outlives the request', () => {
  it('a receipt timeout leaves a pending row; the reconciler settles it without a second transfer', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { SETTLEMENT_TIMEOUT_MS: '300' } })
    const payer = devnetAccount(9)
    const before = await devnet.usdcBalance(payer.address)
    const header = v2Header(await signUsdcAuthorization(payer))
    await devnet.testClient.setAutomine(false)
    try {
      const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(res.status).toBe(503)
      const body = (await res.json()) as { error: string; transaction: string }
      expect(body.error).toBe('settlement_pending')
      expect(body.transaction).toMatch(/^0x[0-9a-f]{64}$/)
      expect(res.headers.get('payment-response')).toBeTruthy()
      const [row] = await ctx.payments({ payer: payer.address })
      expect(row).toMatchObject({ state: 'pending', txHash: body.transaction })

      // A retry of the same request while it settles is told so (never a fresh 402 for a payment in flight).
      const whilePending = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(whilePending.status).toBe(503)
      expect(await whilePending.json()).toMatchObject({
        error: 'settlement_pending',
        transaction: body.transaction,
      })

      // Still unmined: the reconciler leaves it pending and sends nothing.
      const early = await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })
      expect(early).toMatchObject({ checked: 1, unresolved: 1 })
      await devnet.testClient.mine({ blocks: 1 })
      const summary = await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })
      expect(summary).toMatchObject({ checked: 1, settled: 1 })
      const [settled] = await ctx.payments({ payer: payer.address })
      expect(settled).toMatchObject({ state: 'settled', txHash: body.transaction })
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
      expect((await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })).checked).toBe(0)

      // The retry now gets what was paid for, once, with the settlement header, and no new transfer.
      const redeemed = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(redeemed.status).toBe(200)
      expect(((await redeemed.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0)
      const settlement = JSON.parse(
        Buffer.from(redeemed.headers.get('payment-response')!, 'base64').toString(),
      )
      expect(settlement).toMatchObject({ success: true, transaction: body.transaction })
      const again = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(again.status).toBe(402)
      expect(await again.json()).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used' })
      const other = await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=ETH', {
        headers: { 'PAYMENT-SIGNATURE': header },
      })
      expect(other.status).toBe(402)
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })

  it('a pending settlement that never lands is reconciled as failed and its spend is given back', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { SETTLEMENT_TIMEOUT_MS: '300' } })
    const payer = devnetAccount(6)
    const before = await devnet.usdcBalance(payer.address)
    const validBefore = BigInt(Math.floor(Date.now() / 1000) + 8)
    const header = v2Header(await signUsdcAuthorization(payer, { validBefore }))
    const usage = async () =>
      (
        (await (await ctx.app.request(`/v1/spend-policy/${payer.address}`)).json()) as {
          data: { usage: { todayUsd: string } }
        }
      ).data.usage.todayUsd
    await devnet.testClient.setAutomine(false)
    try {
      const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
      expect(res.status).toBe(503)
      const { transaction } = (await res.json()) as { transaction: `0x${string}` }
      expect(await usage()).toBe('0.017')
      await devnet.testClient.dropTransaction({ hash: transaction })
      // Wait until the authorization has expired unused: it can never settle now.
      await new Promise((r) => setTimeout(r, Number(validBefore) * 1000 - Date.now() + 1000))
      const summary = await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })
      expect(summary).toMatchObject({ checked: 1, failed: 1 })
      expect(await ctx.payments({ payer: payer.address })).toMatchObject([
        { state: 'failed', failureReason: 'authorization_expired_unsettled' },
      ])
      expect(await usage()).toBe('0')
      expect(await devnet.usdcBalance(payer.address)).toBe(before)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })

  it('a settlement front-run by someone else that still paid us is reconciled as settled', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { SETTLEMENT_TIMEOUT_MS: '300' } })
    const payer = devnetAccount(8)
    const payment = await signUsdcAuthorization(payer)
    const before = await devnet.usdcBalance(payer.address)
    await devnet.testClient.setAutomine(false)
    let ours: `0x${string}`
    try {
      const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': v2Header(payment) } })
      expect(res.status).toBe(503)
      ours = ((await res.json()) as { transaction: `0x${string}` }).transaction
      // Our transaction vanishes from the mempool; a third party submits the same authorization instead.
      await devnet.testClient.dropTransaction({ hash: ours })
      const outsider = createWalletClient({
        account: devnetAccount(7),
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
      })
      const a = payment.authorization
      const theirs = await outsider.writeContract({
        address: usdc,
        abi: parseAbi([
          'function transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)',
        ]),
        functionName: 'transferWithAuthorization',
        args: [
          a.from,
          a.to,
          BigInt(a.value),
          BigInt(a.validAfter),
          BigInt(a.validBefore),
          a.nonce,
          payment.signature,
        ],
      })
      await devnet.testClient.mine({ blocks: 1 })
      const summary = await reconcileOnce({ ...ctx.services, staleSettlingMs: 0 })
      expect(summary.settled).toBe(1)
      const [row] = await ctx.payments({ payer: payer.address })
      expect(row).toMatchObject({ state: 'settled', txHash: theirs })
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })
})

describe('fail closed', () => {
  it('when the chain cannot be asked, the paid data is not served and the reservation is released', async () => {
    const ctx = await createTestContext({ rpcUrl: 'http://127.0.0.1:9' })
    const payment = await signUsdcAuthorization(devnetAccount(1))
    const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': v2Header(payment) } })
    expect(res.status).toBe(503)
    const body = (await res.json()) as { error: string; data?: unknown }
    expect(body.error).toBe('verification_unavailable')
    expect(body.data).toBeUndefined()
    expect(await ctx.payments()).toMatchObject([
      { state: 'released', failureReason: 'verification_unavailable' },
    ])
    ctx.close()
  })
})
