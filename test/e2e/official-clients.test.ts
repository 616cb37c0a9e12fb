import { x402Client as AxiosX402Client, wrapAxiosWithPayment } from '@x402/axios'
import { registerExactEvmScheme as registerAxiosScheme } from '@x402/evm/exact/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment as wrapFetchV2, x402Client } from '@x402/fetch'
import axios from 'axios'
import { createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeXPaymentResponse as decodeAxiosV1, withPaymentInterceptor } from 'x402-axios'
import { decodeXPaymentResponse as decodeFetchV1, wrapFetchWithPayment as wrapFetchV1 } from 'x402-fetch'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

const PRICE = 17_000n
const PATH = '/v1/daily-ohlcv?symbol=ETH&startDate=2026-03-01&endDate=2026-03-18&limit=5'
const payTo = devnetAccount(0).address

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
  server = await listen(ctx.app)
})
afterAll(async () => {
  await server?.close()
  ctx?.close()
  await devnet?.stop()
})

/** Runs one paid call and checks the money moved exactly once and the ledger agrees with the chain. */
async function expectPaidOnce(
  payerIndex: number,
  call: () => Promise<{ status: number; body: unknown; tx: string }>,
) {
  const payer = devnetAccount(payerIndex).address
  const [payerBefore, payToBefore] = [await devnet.usdcBalance(payer), await devnet.usdcBalance(payTo)]
  const { status, body, tx } = await call()
  expect(status).toBe(200)
  const envelope = body as {
    success: boolean
    length: number
    data: { TOKEN_SYMBOL: string; DATE: string }[]
  }
  expect(envelope.success).toBe(true)
  expect(envelope.length).toBe(5)
  expect(envelope.data.every((row) => row.TOKEN_SYMBOL === 'ETH' && row.DATE >= '2026-03-01')).toBe(true)
  expect(await devnet.usdcBalance(payer)).toBe(payerBefore - PRICE)
  expect(await devnet.usdcBalance(payTo)).toBe(payToBefore + PRICE)
  const rows = await ctx.payments({ payer })
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({
    state: 'settled',
    txHash: tx,
    amount: '17000',
    assetSymbol: 'USDC',
    usdPrice: '0.017',
  })
  const receipt = await devnet.client.getTransactionReceipt({ hash: tx as `0x${string}` })
  expect(receipt.status).toBe('success')
}

describe('official x402 clients pay USDC for /v1/daily-ohlcv', () => {
  afterAll(() => {
    // Every flow above logged verify/settle lines: none may carry the settlement key or a payment signature.
    const log = ctx.logLines.join('\n')
    expect(ctx.logLines.length).toBeGreaterThan(8)
    expect(log).not.toContain(devnetPrivateKey(0))
    expect(log).not.toContain(devnetPrivateKey(0).slice(2))
    expect(log).not.toMatch(/0x[0-9a-f]{130}/i)
  })

  it('x402-axios 0.7.2 (v1, X-PAYMENT)', async () => {
    const wallet = createWalletClient({
      account: devnetAccount(1),
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
    })
    const api = withPaymentInterceptor(axios.create({ baseURL: server.url }), wallet as never)
    await expectPaidOnce(1, async () => {
      const res = await api.get(PATH)
      const settlement = decodeAxiosV1(res.headers['x-payment-response'])
      expect(settlement).toMatchObject({ success: true, network: 'base' })
      return { status: res.status, body: res.data, tx: settlement.transaction }
    })
  })

  it('x402-fetch 1.2.0 (v1, X-PAYMENT)', async () => {
    const wallet = createWalletClient({
      account: devnetAccount(2),
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
    })
    const pay = wrapFetchV1(fetch, wallet as never)
    await expectPaidOnce(2, async () => {
      const res = await pay(`${server.url}${PATH}`)
      const settlement = decodeFetchV1(res.headers.get('x-payment-response')!)
      expect(settlement).toMatchObject({ success: true, network: 'base' })
      return { status: res.status, body: await res.json(), tx: settlement.transaction }
    })
  })

  it('@x402/fetch 2.27 (v2, PAYMENT-SIGNATURE)', async () => {
    const client = new x402Client()
    registerAxiosScheme(client, { signer: devnetAccount(3) })
    const pay = wrapFetchV2(fetch, client)
    await expectPaidOnce(3, async () => {
      const res = await pay(`${server.url}${PATH}`)
      const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!)
      expect(settlement).toMatchObject({ success: true, network: 'eip155:8453' })
      return { status: res.status, body: await res.json(), tx: settlement.transaction }
    })
  })

  it('@x402/axios 2.11 (v2, PAYMENT-SIGNATURE)', async () => {
    const client = new AxiosX402Client()
    registerAxiosScheme(client as never, { signer: devnetAccount(4) })
    const api = wrapAxiosWithPayment(axios.create({ baseURL: server.url }), client)
    await expectPaidOnce(4, async () => {
      const res = await api.get(PATH)
      const header = res.headers['payment-response'] as string
      const settlement = JSON.parse(Buffer.from(header, 'base64').toString()) as {
        success: boolean
        transaction: string
      }
      expect(settlement.success).toBe(true)
      return { status: res.status, body: res.data, tx: settlement.transaction }
    })
  })
})
