/**
 * An RPC that answers with huge bodies (a hostile or broken node) must not be read whole: past the cap the answer is
 * an RPC fault and the payment fails closed, nothing charged. Through a JSON-RPC proxy in front of the real devnet
 * that streams each `eth_call` answer followed by megabytes of JSON whitespace (no Content-Length).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RPC_MAX_RESPONSE_BYTES } from '../../src/chain/rpc-limits'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'
import { type RpcProxy, startRpcProxy } from '../helpers/rpc-proxy'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=ETH&limit=2'
const MB = 1024 * 1024

let devnet: TestDevnet
let proxy: RpcProxy
let padBytes = 0
beforeAll(async () => {
  devnet = await startTestDevnet()
  proxy = await startRpcProxy(devnet.rpcUrl)
  proxy.tamper = (call) => (call.method === 'eth_call' && padBytes > 0 ? { padBytes } : undefined)
})
afterAll(async () => {
  await proxy?.close()
  await devnet?.stop()
})

describe('RPC response bodies are size-capped', () => {
  it(`an answer over ${RPC_MAX_RESPONSE_BYTES / MB} MiB is an RPC fault: 503 verification_unavailable, nothing charged; one under it is read`, async () => {
    const logLines: string[] = []
    const ctx = await createTestContext({ rpcUrl: proxy.url, logLines })
    const payer = devnetAccount(4)
    const pay = async () => {
      const res = await ctx.app.request(PATH, {
        headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(payer)) },
      })
      return { status: res.status, body: (await res.json()) as { error?: string } }
    }
    try {
      const before = await devnet.usdcBalance(payer.address)
      padBytes = 6 * MB
      for (let i = 0; i < 3; i++) {
        const refused = await pay()
        expect(refused.status).toBe(503)
        expect(refused.body.error).toBe('verification_unavailable')
      }
      expect(await devnet.usdcBalance(payer.address)).toBe(before)
      expect(logLines.filter((l) => l.includes('response body exceeded the size limit'))).toHaveLength(3)

      padBytes = RPC_MAX_RESPONSE_BYTES / 2
      expect((await pay()).status).toBe(200)
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    } finally {
      padBytes = 0
      ctx.close()
    }
  })
})
