import { parseArgs } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'
import { x402Client } from '@x402/core/client'
import type { PaymentRequired } from '@x402/core/types'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { messageOf } from '../lib/errors'
import { formatAtomic, parseDecimal, toAtomic } from '../lib/money'
import { assetSymbol, type Offer, valueOfferAgainstCap } from './payment-caps'

export const mcpHelp = `Usage: x402-analytics mcp --url URL [options]

A local MCP server on stdio for desktop agents: it exposes the tools of a remote x402-analytics (its /mcp) and pays
for paid tools with x402 from PAYER_PRIVATE_KEY, never above the caps you set.
  --url URL          the remote server's base URL (default http://127.0.0.1:$PORT, PORT defaulting to 4021)
  --max-usd N        refuse any single payment worth more than N USD (default 0.10)
  --budget-usd N     refuse any payment that would take this session's total past N USD (default: no budget)
  --token T          usdc (default) or tmai (18 decimals, paid through Permit2; approve Permit2 once first)
The payer key comes from PAYER_PRIVATE_KEY (never from a flag). Without it, free tools work and paid ones are refused.
stdout carries the MCP protocol; messages go to stderr.`

/** A refusal we decide locally: nothing was signed, nothing was sent. */
const refusedLocally = (message: string): CallToolResult => ({
  isError: true,
  content: [
    {
      type: 'text',
      text: JSON.stringify({ 'x402/error': { code: 402, error: 'refused_by_payer', message } }),
    },
  ],
})

const isPaymentRequired = (value: unknown): value is PaymentRequired =>
  typeof value === 'object' && value !== null && 'x402Version' in value && 'accepts' in value

export async function mcpCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'max-usd': { type: 'string', default: '0.10' },
      'budget-usd': { type: 'string' },
      token: { type: 'string', default: 'usdc' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(mcpHelp)
    return
  }
  const fail = (message: string) => {
    console.error(message)
    process.exitCode = 2
  }
  const token = values.token.toUpperCase()
  if (token !== 'USDC' && token !== 'TMAI') return fail('--token must be usdc or tmai')
  const maxUsd = values['max-usd']
  let budgetMicros: bigint | undefined
  try {
    parseDecimal(maxUsd)
    budgetMicros = values['budget-usd'] === undefined ? undefined : toAtomic(values['budget-usd'], 6)
  } catch (error) {
    return fail(`--max-usd / --budget-usd: ${messageOf(error)}`)
  }
  const key = process.env.PAYER_PRIVATE_KEY
  if (key !== undefined && (!isHex(key) || key.length !== 66)) {
    return fail('PAYER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key')
  }
  const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 4021}`).replace(/\/$/, '')

  const remote = new Client({ name: 'x402-analytics-mcp', version: '0.1.0' })
  await remote.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))
  const { tools } = await remote.listTools()
  let spentMicros = 0n

  /** Picks the offer in the chosen token, checks both caps, and returns the signed payment or why not. */
  async function pay(
    required: PaymentRequired,
  ): Promise<{ payment: unknown; micros: bigint } | { refused: string }> {
    if (!key) return { refused: 'PAYER_PRIVATE_KEY is not set: paid tools are refused' }
    const offer = (required.accepts as Offer[]).find((o) => assetSymbol(o) === token)
    if (!offer) return { refused: `the server offers no ${token} payment for this tool` }
    const valuation = await valueOfferAgainstCap(offer, base, maxUsd)
    if (!valuation.priced || !valuation.withinCap) return { refused: valuation.message }
    if (budgetMicros !== undefined && spentMicros + valuation.micros > budgetMicros) {
      return {
        refused: `refusing to pay ${valuation.line}: $${formatAtomic(spentMicros, 6)} spent this session, --budget-usd ${values['budget-usd']} would be exceeded`,
      }
    }
    const client = new x402Client(
      (_version, accepts) => accepts.find((a) => a.asset === offer.asset) ?? accepts[0]!,
    )
    registerExactEvmScheme(client, { signer: privateKeyToAccount(key as `0x${string}`) })
    // The client's own spend controls enforce the same cap, in the token's atomic units.
    client.setSpendControls({
      allowedAssets: [
        {
          network: offer.network as `${string}:${string}`,
          asset: offer.asset,
          maxAmountPerPayment: valuation.capAtomic.toString(),
        },
      ],
    })
    return { payment: await client.createPaymentPayload(required), micros: valuation.micros }
  }

  async function callTool(request: CallToolRequest): Promise<CallToolResult> {
    const params = { name: request.params.name, arguments: request.params.arguments }
    const first = (await remote.callTool(params)) as CallToolResult
    if (!first.isError || !isPaymentRequired(first.structuredContent)) return first
    const paying = await pay(first.structuredContent)
    if ('refused' in paying) {
      console.error(`x402-analytics mcp: ${params.name}: ${paying.refused}`)
      return refusedLocally(`${paying.refused}; nothing was paid`)
    }
    const paid = (await remote.callTool({
      ...params,
      _meta: { 'x402/payment': paying.payment },
    })) as CallToolResult
    const receipt = paid._meta?.['x402/payment-response'] as
      | { success?: boolean; transaction?: string }
      | undefined
    if (receipt?.success) {
      spentMicros += paying.micros
      console.error(
        `x402-analytics mcp: ${params.name}: paid $${formatAtomic(paying.micros, 6)} (tx ${receipt.transaction}); session total $${formatAtomic(spentMicros, 6)}`,
      )
    }
    return paid
  }

  const server = new Server(
    { name: 'x402-analytics', version: '0.1.0' },
    {
      capabilities: { tools: {} },
      instructions: `Crypto analytics tools from ${base}. Paid tools are paid automatically in ${token}, at most $${maxUsd} per call${values['budget-usd'] ? ` and $${values['budget-usd']} per session` : ''}.`,
    },
  )
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }))
  server.setRequestHandler(CallToolRequestSchema, (request) => callTool(request))
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve()
  })
  await server.connect(new StdioServerTransport())
  // The agent went away: stop serving (and let the process exit).
  process.stdin.once('end', () => void server.close())
  console.error(`x402-analytics mcp: serving ${tools.length} tools from ${base} on stdio`)
  await closed
  await remote.close()
}
