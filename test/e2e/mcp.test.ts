/**
 * MCP end to end on a private devnet: the real MCP SDK client over Streamable HTTP against /mcp on a real port, paying
 * with @x402/core's client and @x402/evm's exact scheme exactly as the x402 MCP transport describes (PaymentRequired in
 * `structuredContent`, the payment in `_meta["x402/payment"]`, the receipt in `_meta["x402/payment-response"]`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { x402Client } from '@x402/core/client'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { appendPaymentIdentifierToExtensions, generatePaymentId } from '@x402/extensions/payment-identifier'
import type { LocalAccount } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import { erc20Abi } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

const TMAI = NETWORKS.devnet.tmai!
const USDC = NETWORKS.devnet.usdc
const ARGS = { symbol: 'ETH', limit: 2 }
/** ceil(0.017 × (1 − 0.10) / 0.0007 × 10^18) */
const TMAI_QUOTED = 21_857_142_857_142_857_143n

type PaymentRequired = {
  x402Version: number
  accepts: { asset: string; amount: string; network: string }[]
  resource: { url: string }
  extensions?: Record<string, unknown>
}

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>
let mcp: Client

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { LOG_LEVEL: 'silent' } })
  server = await listen(ctx.app)
  mcp = new Client({ name: 'mcp-e2e', version: '1.0.0' })
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)))
})
afterAll(async () => {
  await mcp?.close()
  await server?.close()
  ctx?.close()
  await devnet?.stop()
})

const tmaiBalance = (owner: `0x${string}`) =>
  devnet.client.readContract({
    address: TMAI.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  })

/** A v2 x402 client for one payer: USDC by default, TMAI when opted in (with a cap in TMAI atomic units). */
function payingClient(payer: LocalAccount, token: 'usdc' | 'tmai' = 'usdc') {
  // MCP has no x-payment-token header: a TMAI payer picks the TMAI offer itself.
  const client =
    token === 'tmai'
      ? new x402Client((_version, accepts) => accepts.find((a) => a.asset === TMAI.address) ?? accepts[0]!)
      : new x402Client()
  registerExactEvmScheme(client, { signer: payer })
  if (token === 'tmai') {
    client.setSpendControls({
      allowedAssets: [
        { network: 'eip155:8453', asset: TMAI.address, maxAmountPerPayment: (30n * 10n ** 18n).toString() },
      ],
    })
  }
  return client
}

const call = (args: Record<string, unknown>, meta?: Record<string, unknown>, name = 'daily_ohlcv') =>
  mcp.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) }) as Promise<CallToolResult>

const x402ErrorOf = (result: CallToolResult) =>
  (JSON.parse((result.content[0] as { text: string }).text) as { 'x402/error': Record<string, unknown> })[
    'x402/error'
  ]

async function paymentRequired(args: Record<string, unknown> = ARGS): Promise<PaymentRequired> {
  const unpaid = await call(args)
  expect(unpaid.isError).toBe(true)
  return unpaid.structuredContent as PaymentRequired
}

describe('MCP at /mcp (Streamable HTTP, stateless)', () => {
  it('lists one tool per catalog endpoint, with input and output schemas', async () => {
    const { tools } = await mcp.listTools()
    expect(tools.map((t) => t.name)).toEqual(catalog.map((e) => e.path.slice(4).replaceAll('-', '_')))
    const daily = tools.find((t) => t.name === 'daily_ohlcv')!
    expect(daily.description).toContain('$0.017 per call')
    expect(daily.inputSchema).toMatchObject({ type: 'object', required: ['symbol'] })
    expect(Object.keys(daily.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['symbol', 'startDate', 'endDate', 'limit']),
    )
    // Free tools declare the envelope as output schema; paid ones cannot (the SDK client would check the
    // PaymentRequired against it) and describe their output in the Bazaar extension of their 402 instead.
    expect(tools.find((t) => t.name === 'price')!.outputSchema).toMatchObject({
      type: 'object',
      properties: { data: { type: 'array' } },
    })
    expect(daily.outputSchema).toBeUndefined()
    await expect(mcp.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(
      /unknown tool: no_such_tool/,
    )
  })

  it('a free tool answers without payment', async () => {
    const result = await call({ symbol: 'BTC' }, undefined, 'price')
    expect(result.isError).toBeFalsy()
    const body = result.structuredContent as { success: boolean; data: { TOKEN_SYMBOL: string }[] }
    expect(body.success).toBe(true)
    expect(body.data[0]?.TOKEN_SYMBOL).toBe('BTC')
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(body)
  })

  it('an unpaid paid tool returns isError with the v2 PaymentRequired (USDC and TMAI) and {"x402/error"} text', async () => {
    const unpaid = await call(ARGS)
    expect(unpaid.isError).toBe(true)
    const required = unpaid.structuredContent as PaymentRequired
    expect(required.x402Version).toBe(2)
    expect(required.resource.url).toBe('mcp://tool/daily_ohlcv')
    expect(required.accepts.map((a) => [a.asset, a.amount])).toEqual([
      [USDC.address, '17000'],
      [TMAI.address, TMAI_QUOTED.toString()],
    ])
    // The Bazaar extension in its MCP flavour: the tool name and its input schema.
    expect(required.extensions?.bazaar).toMatchObject({
      info: {
        input: { type: 'mcp', toolName: 'daily_ohlcv', transport: 'streamable-http' },
        output: { type: 'json' },
      },
    })
    const error = x402ErrorOf(unpaid)
    expect(error).toMatchObject({ code: 402, x402Version: 2 })
    expect(error.accepts).toEqual(required.accepts)
  })

  it('pays in USDC through _meta["x402/payment"]: data plus a receipt; exactly the price moved; ledger says mcp', async () => {
    const payer = devnetAccount(2)
    const before = await devnet.usdcBalance(payer.address)
    const payment = await payingClient(payer).createPaymentPayload((await paymentRequired()) as never)
    const paid = await call(ARGS, { 'x402/payment': payment })
    expect(paid.isError).toBeFalsy()
    const body = paid.structuredContent as {
      success: boolean
      length: number
      data: { TOKEN_SYMBOL: string }[]
    }
    expect(body).toMatchObject({ success: true, length: 2 })
    expect(body.data.every((d) => d.TOKEN_SYMBOL === 'ETH')).toBe(true)
    const receipt = paid._meta?.['x402/payment-response'] as {
      success: boolean
      transaction: string
      network: string
      payer: string
    }
    expect(receipt).toMatchObject({ success: true, network: 'eip155:8453', payer: payer.address })
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    const rows = await ctx.payments({ payer: payer.address })
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      state: 'settled',
      transport: 'mcp',
      assetSymbol: 'USDC',
      txHash: receipt.transaction,
    })

    // The same payment again: refused with a fresh challenge, and no second transfer.
    const again = await call(ARGS, { 'x402/payment': payment })
    expect(again.isError).toBe(true)
    expect(x402ErrorOf(again)).toMatchObject({ code: 402, error: 'invalid_exact_evm_nonce_already_used' })
    expect((again.structuredContent as PaymentRequired).accepts.length).toBeGreaterThan(0)
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    expect(await ctx.payments({ payer: payer.address })).toHaveLength(1)
  })

  it('20 concurrent tool calls with one payment: one served, one settlement, one transfer', async () => {
    const payer = devnetAccount(3)
    const before = await devnet.usdcBalance(payer.address)
    const payment = await payingClient(payer).createPaymentPayload((await paymentRequired()) as never)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(ARGS, { 'x402/payment': payment })),
    )
    const served = results.filter((r) => !r.isError)
    expect(served).toHaveLength(1)
    for (const refused of results.filter((r) => r.isError)) {
      expect([402, 409]).toContain(x402ErrorOf(refused).code)
    }
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    const rows = await ctx.payments({ payer: payer.address })
    expect(rows.map((r) => r.state)).toEqual(['settled'])
  })

  it('pays in TMAI through Permit2 like HTTP: the quoted amount moves, the ledger records TMAI over mcp', async () => {
    const payer = devnetAccount(4)
    const before = await tmaiBalance(payer.address)
    const payment = await payingClient(payer, 'tmai').createPaymentPayload((await paymentRequired()) as never)
    expect(payment.accepted.asset).toBe(TMAI.address)
    const paid = await call(ARGS, { 'x402/payment': payment })
    expect(paid.isError, JSON.stringify(paid.content)).toBeFalsy()
    expect(paid._meta?.['x402/payment-response']).toMatchObject({ success: true, payer: payer.address })
    expect(await tmaiBalance(payer.address)).toBe(before - TMAI_QUOTED)
    const [row] = await ctx.payments({ payer: payer.address })
    expect(row).toMatchObject({ state: 'settled', transport: 'mcp', assetSymbol: 'TMAI', discount: '0.10' })
  })

  it('a retry with the same payment-identifier gets the stored answer back and is not charged again', async () => {
    const payer = devnetAccount(5)
    const before = await devnet.usdcBalance(payer.address)
    const id = generatePaymentId()
    const pay = async () => {
      const required = await paymentRequired()
      const payment = await payingClient(payer).createPaymentPayload(required as never)
      appendPaymentIdentifierToExtensions(payment.extensions ?? {}, id)
      return call(ARGS, { 'x402/payment': payment })
    }
    const first = await pay()
    expect(first.isError).toBeFalsy()
    const retry = await pay()
    expect(retry.isError).toBeFalsy()
    expect(retry._meta?.['x402/idempotent-replayed']).toBe(true)
    expect(retry.structuredContent).toEqual(first.structuredContent)
    expect(retry._meta?.['x402/payment-response']).toEqual(first._meta?.['x402/payment-response'])
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
  })

  it('bad arguments with a payment are refused before the payment is touched; nothing is charged', async () => {
    const payer = devnetAccount(6)
    const before = await devnet.usdcBalance(payer.address)
    const payment = await payingClient(payer).createPaymentPayload((await paymentRequired()) as never)
    const refused = await call({ symbol: 'ETH', limit: 500 }, { 'x402/payment': payment })
    expect(refused.isError).toBe(true)
    expect(x402ErrorOf(refused)).toMatchObject({ code: 400, error: 'invalid_parameter', parameter: 'limit' })
    expect(await devnet.usdcBalance(payer.address)).toBe(before)
  })
})

describe('MCP and spend limits', () => {
  it('a paid tool over its payer cap is refused with the spend-limit detail, a fresh challenge and nothing charged', async () => {
    const capped = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { LOG_LEVEL: 'silent', SPEND_MAX_USD_PER_PAYER_DAY: '0.02' },
    })
    const cappedServer = await listen(capped.app)
    const client = new Client({ name: 'mcp-capped', version: '1.0.0' })
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${cappedServer.url}/mcp`)))
      const callCapped = (meta?: Record<string, unknown>) =>
        client.callTool({
          name: 'daily_ohlcv',
          arguments: ARGS,
          ...(meta ? { _meta: meta } : {}),
        }) as Promise<CallToolResult>
      const payer = devnetAccount(8)
      const before = await devnet.usdcBalance(payer.address)
      const pay = async () => {
        const challenge = (await callCapped()).structuredContent as PaymentRequired
        const payment = await payingClient(payer).createPaymentPayload(challenge as never)
        return callCapped({ 'x402/payment': payment })
      }

      // $0.017 fits under the $0.02 daily cap; a second $0.017 would not.
      expect((await pay()).isError).toBeFalsy()
      const refused = await pay()
      expect(refused.isError).toBe(true)
      expect(x402ErrorOf(refused)).toMatchObject({ code: 402, error: 'spend_limit_exceeded', capUsd: '0.02' })
      expect((refused.structuredContent as PaymentRequired).accepts.length).toBeGreaterThan(0)
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
      const rows = await capped.payments({ payer: payer.address })
      expect(rows.map((r) => r.state).sort()).toEqual(['released', 'settled'])
    } finally {
      await client.close()
      await cappedServer.close()
      capped.close()
    }
  })
})
