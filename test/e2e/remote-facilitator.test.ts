import { x402Facilitator } from '@x402/core/facilitator'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { registerExactEvmScheme as registerClientScheme } from '@x402/evm/exact/client'
import { registerExactEvmScheme } from '@x402/evm/exact/facilitator'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { Hono } from 'hono'
import { createWalletClient, http, publicActions } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeXPaymentResponse, wrapFetchWithPayment as wrapFetchV1 } from 'x402-fetch'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'

/**
 * FACILITATOR_URL mode against the official x402 facilitator (@x402/core + @x402/evm 2.27) served locally over HTTP
 * on the devnet, with account 9 as its gas key. Our matching, reservation and ledger still run in front of it.
 */
let devnet: TestDevnet
let facilitatorServer: Awaited<ReturnType<typeof listen>>
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>
const calls: string[] = []

beforeAll(async () => {
  devnet = await startTestDevnet()
  const gas = createWalletClient({
    account: devnetAccount(9),
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
  }).extend(publicActions)
  const facilitator = new x402Facilitator()
  registerExactEvmScheme(facilitator, {
    signer: toFacilitatorEvmSigner(Object.assign(gas, { address: gas.account.address }) as never),
    networks: 'eip155:8453',
  })
  const app = new Hono()
  app.post('/verify', async (c) => {
    calls.push('verify')
    const body = await c.req.json()
    return c.json(await facilitator.verify(body.paymentPayload, body.paymentRequirements))
  })
  app.post('/settle', async (c) => {
    calls.push('settle')
    const body = await c.req.json()
    return c.json(await facilitator.settle(body.paymentPayload, body.paymentRequirements))
  })
  facilitatorServer = await listen(app)
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { FACILITATOR_URL: facilitatorServer.url } })
  server = await listen(ctx.app)
})
afterAll(async () => {
  await server?.close()
  await facilitatorServer?.close()
  ctx?.close()
  await devnet?.stop()
})

describe('FACILITATOR_URL: verify and settle through a remote x402 facilitator', () => {
  it('a v2 client pays; the remote facilitator settles; our ledger records it', async () => {
    expect(ctx.services.facilitator.kind).toBe('remote')
    const payer = devnetAccount(1)
    const before = await devnet.usdcBalance(payer.address)
    const client = new x402Client()
    registerClientScheme(client, { signer: payer })
    const res = await wrapFetchWithPayment(fetch, client)(`${server.url}/v1/daily-ohlcv?symbol=ETH&limit=2`)
    expect(res.status).toBe(200)
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    expect(settlement.success).toBe(true)
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    expect(await ctx.payments({ payer: payer.address })).toMatchObject([
      { state: 'settled', txHash: settlement.transaction },
    ])
    expect(calls).toEqual(['verify', 'settle'])
  })

  it('a v1 client pays through the same facilitator', async () => {
    const payer = devnetAccount(2)
    const wallet = createWalletClient({ account: payer, chain: devnet.chain, transport: http(devnet.rpcUrl) })
    const res = await wrapFetchV1(fetch, wallet as never)(`${server.url}/v1/daily-ohlcv?symbol=BTC&limit=2`)
    expect(res.status).toBe(200)
    const settlement = decodeXPaymentResponse(res.headers.get('x-payment-response')!)
    expect(await ctx.payments({ payer: payer.address })).toMatchObject([
      { state: 'settled', txHash: settlement.transaction },
    ])
  })

  it('a replay is stopped by our ledger before the facilitator is even asked', async () => {
    const payment = await signUsdcAuthorization(devnetAccount(3))
    const first = await ctx.app.request('/v1/daily-ohlcv?symbol=ETH', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(payment) },
    })
    expect(first.status).toBe(200)
    calls.length = 0
    const again = await ctx.app.request('/v1/daily-ohlcv?symbol=ETH', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(payment) },
    })
    expect(again.status).toBe(402)
    expect(calls).toEqual([])
  })

  it('fails closed when the facilitator is unreachable: 503 and nothing served or charged', async () => {
    const down = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { FACILITATOR_URL: 'http://127.0.0.1:9' },
    })
    const payer = devnetAccount(4)
    const before = await devnet.usdcBalance(payer.address)
    const res = await down.app.request('/v1/daily-ohlcv?symbol=ETH', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(payer)) },
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: 'verification_unavailable' })
    expect(await devnet.usdcBalance(payer.address)).toBe(before)
    expect(await down.payments()).toMatchObject([{ state: 'released' }])
    down.close()
  })
})
