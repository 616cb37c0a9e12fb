/**
 * Money that the probe of the running service found handled wrongly (issue 13, items 1–3), on real devnets:
 * empty paid answers, a hung RPC, and a chain whose clock lags the wall clock.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeXPaymentResponse, wrapFetchWithPayment } from 'x402-fetch'
import { devnetAccount } from '../../src/devnet/accounts'
import type { Candle } from '../../src/lib/candle'
import { createTestContext, listen } from '../helpers/context'
import { freePort, startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, usdcRequirementV2, v2Header } from '../helpers/payments'

/** 400 hourly bars of a gentle walk for one symbol, ending at the daily data's last day. */
function hourlyCandles(symbol: string, count = 400): Candle[] {
  const end = Date.parse('2026-03-18T23:00:00Z')
  return Array.from({ length: count }, (_, i) => {
    const close = 60_000 * (1 + 0.02 * Math.sin(i / 9))
    return {
      symbol,
      time: new Date(end - (count - 1 - i) * 3_600_000).toISOString().replace('.000Z', 'Z'),
      open: close,
      high: close * 1.002,
      low: close * 0.998,
      close,
      volume: 1e6,
      marketCap: null,
    }
  })
}

describe('a paid answer with no data is not charged', () => {
  let devnet: TestDevnet
  let ctx: Awaited<ReturnType<typeof createTestContext>>
  const payer = devnetAccount(3)
  const tier2 = usdcRequirementV2({ amount: '34000' })
  const pay = async (path: string) =>
    ctx.app.request(`http://localhost${path}`, {
      headers: {
        'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(payer, { value: 34_000n }), tier2),
      },
    })

  beforeAll(async () => {
    devnet = await startTestDevnet()
    ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    await ctx.services.market.saveCandles('1h', hourlyCandles('BTC'), 'csv')
  })
  afterAll(async () => {
    ctx?.close()
    await devnet?.stop()
  })

  it('every asked-for asset left out: 404 no_data naming it, payment released, no money moved', async () => {
    const before = await devnet.usdcBalance(payer.address)
    const res = await pay('/v1/hourly-trading-signals?symbol=ETH')
    expect(res.status).toBe(404)
    const body = (await res.json()) as { error: string; message: string; noHourlyData?: string[] }
    expect(body.error).toBe('no_data')
    expect(body.message).toMatch(/ETH/)
    expect(body.message).toMatch(/nothing was charged/)
    expect(body.noHourlyData).toEqual(['ETH'])
    expect(res.headers.get('payment-response')).toBeNull()
    expect(await devnet.usdcBalance(payer.address)).toBe(before)
    expect((await ctx.payments({ payer: payer.address })).map((p) => p.state)).toEqual(['released'])
  })

  it('some assets returned, some left out: charged, and the left-out ones are named', async () => {
    const before = await devnet.usdcBalance(payer.address)
    const res = await pay('/v1/hourly-trading-signals?symbol=BTC,ETH&limit=2')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { length: number; message: string; meta: { noHourlyData?: string[] } }
    expect(body.length).toBe(2)
    expect(body.meta.noHourlyData).toEqual(['ETH'])
    expect(body.message).toMatch(/no hourly data for ETH/)
    expect(decodeHeaderJson(res.headers.get('payment-response'))).toMatchObject({ success: true })
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 34_000n)
  })
})

describe('fail closed, fast, when the RPC hangs', () => {
  let rpc: Server
  const sockets = new Set<Socket>()
  let ctx: Awaited<ReturnType<typeof createTestContext>>

  beforeAll(async () => {
    // An RPC that accepts connections and never answers: a stopped (SIGSTOP) node looks exactly like this.
    const port = await freePort()
    rpc = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => rpc.listen(port, '127.0.0.1', resolve))
    ctx = await createTestContext({ rpcUrl: `http://127.0.0.1:${port}` })
  })
  afterAll(async () => {
    ctx?.close()
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => rpc.close(resolve))
  })

  it('a paid request answers 503 verification_unavailable with Retry-After within the default 5 s bound', async () => {
    const started = performance.now()
    const paid = ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=ETH', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(4))) },
    })
    // Meanwhile the 402 and the free routes answer at once.
    const quick = performance.now()
    expect((await ctx.app.request('http://localhost/v1/daily-ohlcv?symbol=ETH')).status).toBe(402)
    expect((await ctx.app.request('http://localhost/v1/tokens')).status).toBe(200)
    expect(performance.now() - quick).toBeLessThan(1_000)

    const res = await paid
    const elapsed = performance.now() - started
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: 'verification_unavailable' })
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(elapsed).toBeGreaterThan(4_500)
    expect(elapsed).toBeLessThan(6_500)
    expect((await ctx.payments()).map((p) => p.state)).toEqual(['released'])
  })
})

describe('a chain whose latest block is 15 minutes old (an idle devnet)', () => {
  let devnet: TestDevnet
  let ctx: Awaited<ReturnType<typeof createTestContext>>
  let server: Awaited<ReturnType<typeof listen>>

  beforeAll(async () => {
    devnet = await startTestDevnet({ genesisTimestamp: Math.floor(Date.now() / 1000) - 900 })
    // The next block will carry the wall-clock time, as on an idle anvil that mines only on transactions.
    await devnet.testClient.request({
      method: 'evm_setTime' as never,
      params: [Math.floor(Date.now() / 1000)] as never,
    })
    ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    server = await listen(ctx.app)
  })
  afterAll(async () => {
    await server?.close()
    ctx?.close()
    await devnet?.stop()
  })

  it('x402-fetch 1.2 (validAfter = now − 600, later than that block) pays and is settled', async () => {
    const latest = await devnet.client.getBlock({ blockTag: 'latest' })
    expect(Date.now() / 1000 - Number(latest.timestamp)).toBeGreaterThan(800)
    const wallet = createWalletClient({
      account: devnetAccount(5),
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
    })
    const before = await devnet.usdcBalance(devnetAccount(5).address)
    const res = await wrapFetchWithPayment(
      fetch,
      wallet as never,
    )(`${server.url}/v1/daily-ohlcv?symbol=ETH&limit=2`)
    expect(res.status).toBe(200)
    expect(decodeXPaymentResponse(res.headers.get('x-payment-response')!)).toMatchObject({ success: true })
    expect(await devnet.usdcBalance(devnetAccount(5).address)).toBe(before - 17_000n)
  })
})
