/**
 * The chain changing under a running service, through a JSON-RPC proxy in front of the real devnet that starts to
 * answer another chain's id mid-run: verification and settlement must stop (503 verification_unavailable, nothing
 * charged, an ERROR line and a metric) until the id matches again — not only /ready.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'
import { parseExposition } from '../helpers/prometheus'
import { type RpcProxy, startRpcProxy } from '../helpers/rpc-proxy'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=ETH&limit=2'
const BASE_SEPOLIA = '0x14a34'

let devnet: TestDevnet
let proxy: RpcProxy
let chainId: string | undefined
beforeAll(async () => {
  devnet = await startTestDevnet()
  proxy = await startRpcProxy(devnet.rpcUrl)
  proxy.tamper = (call) => (call.method === 'eth_chainId' && chainId ? { result: chainId } : undefined)
})
afterAll(async () => {
  await proxy?.close()
  await devnet?.stop()
})

type Ctx = Awaited<ReturnType<typeof createTestContext>>

async function pay(ctx: Ctx, payerIndex: number) {
  const res = await ctx.app.request(PATH, {
    headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(payerIndex))) },
  })
  return { status: res.status, body: (await res.json()) as { error?: string; message?: string } }
}

const mismatchGauge = async (ctx: Ctx) =>
  parseExposition((await ctx.metrics!.scrape()).body).value('x402_chain_id_mismatch')

describe('the RPC switches chain id mid-run', () => {
  it('verification stops within the check interval: 503, nothing charged, an ERROR line and a metric; it resumes once the id matches', async () => {
    const logLines: string[] = []
    const ctx = await createTestContext({
      rpcUrl: proxy.url,
      env: { CHAIN_ID_CHECK_INTERVAL_MS: '200' },
      logLines,
      withMetrics: true,
    })
    try {
      chainId = undefined
      expect((await pay(ctx, 1)).status).toBe(200)
      expect(await mismatchGauge(ctx)).toBe(0)

      chainId = BASE_SEPOLIA
      await new Promise((resolve) => setTimeout(resolve, 250))
      const payer = devnetAccount(2).address
      const before = await devnet.usdcBalance(payer)
      for (let i = 0; i < 3; i++) {
        const refused = await pay(ctx, 2)
        expect(refused.status).toBe(503)
        expect(refused.body).toMatchObject({ error: 'verification_unavailable' })
        expect(refused.body.message).toMatch(/nothing was charged/)
      }
      expect(await devnet.usdcBalance(payer)).toBe(before)
      expect((await ctx.payments({ payer })).map((r) => r.state)).toEqual([
        'released',
        'released',
        'released',
      ])
      const errors = logLines.filter((l) => l.includes('RPC chain id changed'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/ERROR/)
      expect(errors[0]).toMatch(/chainId=84532 expected=8453/)
      expect(await mismatchGauge(ctx)).toBe(1)

      chainId = undefined
      await new Promise((resolve) => setTimeout(resolve, 250))
      expect((await pay(ctx, 2)).status).toBe(200)
      expect(await devnet.usdcBalance(payer)).toBe(before - 17_000n)
      expect(await mismatchGauge(ctx)).toBe(0)
      expect(logLines.some((l) => l.includes('RPC chain id matches again'))).toBe(true)
    } finally {
      chainId = undefined
      ctx.close()
    }
  })

  it('an RPC error makes the next verification re-check at once, however long the interval', async () => {
    const ctx = await createTestContext({ rpcUrl: proxy.url, env: { CHAIN_ID_CHECK_INTERVAL_MS: '600000' } })
    const defaultTamper = proxy.tamper
    try {
      chainId = undefined
      expect((await pay(ctx, 3)).status).toBe(200)
      // The node behind the URL changes, and the first sign of it is a failed call.
      chainId = BASE_SEPOLIA
      proxy.tamper = (call) => (call.method === 'eth_blockNumber' ? { httpStatus: 502 } : defaultTamper(call))
      await expect(ctx.services.client.getBlockNumber({ cacheTime: 0 })).rejects.toThrow()
      proxy.tamper = defaultTamper
      const refused = await pay(ctx, 3)
      expect(refused.status).toBe(503)
      expect(refused.body).toMatchObject({ error: 'verification_unavailable' })
    } finally {
      proxy.tamper = defaultTamper
      chainId = undefined
      ctx.close()
    }
  })
})
