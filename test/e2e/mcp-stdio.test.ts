/**
 * `x402-analytics mcp` as a desktop agent runs it: the real MCP SDK client spawns the command over stdio; the command
 * exposes the tools of a test server on a private devnet and pays for them under --max-usd and --budget-usd.
 */
import path from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalog } from '../../src/catalog'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

const ROOT = path.resolve(import.meta.dirname, '../..')
const payer = devnetAccount(7)

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { LOG_LEVEL: 'silent' } })
  server = await listen(ctx.app)
})
afterAll(async () => {
  await server?.close()
  ctx?.close()
  await devnet?.stop()
})

/** Spawns the command exactly as an MCP client configuration would (bin/x402-analytics.mjs mcp …). */
async function spawnMcp(...args: string[]) {
  const stderr: string[] = []
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(ROOT, 'bin/x402-analytics.mjs'), 'mcp', '--url', server.url, ...args],
    env: { PATH: process.env.PATH ?? '', PAYER_PRIVATE_KEY: devnetPrivateKey(7) },
    cwd: ROOT,
    stderr: 'pipe',
  })
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
  const client = new Client({ name: 'desktop-agent', version: '1.0.0' })
  await client.connect(transport)
  return { client, stderr }
}

const textOf = (result: CallToolResult) => (result.content[0] as { text: string }).text

describe('x402-analytics mcp (stdio)', () => {
  it('lists the remote tools, buys one call within --max-usd, and refuses one above it without paying', async () => {
    const { client, stderr } = await spawnMcp('--max-usd', '0.02', '--budget-usd', '0.05')
    try {
      const { tools } = await client.listTools()
      expect(tools).toHaveLength(catalog.length)
      expect(tools.map((t) => t.name)).toContain('daily_ohlcv')

      const before = await devnet.usdcBalance(payer.address)
      const bought = (await client.callTool({
        name: 'daily_ohlcv',
        arguments: { symbol: 'ETH', limit: 2 },
      })) as CallToolResult
      expect(bought.isError, textOf(bought)).toBeFalsy()
      expect(bought.structuredContent).toMatchObject({ success: true, length: 2 })
      expect(bought._meta?.['x402/payment-response']).toMatchObject({ success: true, payer: payer.address })
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)

      // $0.068 (tier 3) is above --max-usd 0.02: refused locally, nothing signed or sent.
      const refused = (await client.callTool({
        name: 'token_report',
        arguments: { symbol: 'ETH' },
      })) as CallToolResult
      expect(refused.isError).toBe(true)
      expect(textOf(refused)).toMatch(
        /refusing to pay 0\.068 USDC .*above --max-usd 0\.02 \(20000 atomic\).*nothing was paid/,
      )
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
      const rows = await ctx.payments({ payer: payer.address })
      expect(rows.map((r) => [r.state, r.transport, r.route])).toEqual([
        ['settled', 'mcp', '/v1/daily-ohlcv'],
      ])

      // Free tools need no payment.
      const free = (await client.callTool({ name: 'price', arguments: { symbol: 'BTC' } })) as CallToolResult
      expect(free.isError).toBeFalsy()
      expect(stderr.join('')).toMatch(/paid \$0\.017 \(tx 0x[0-9a-f]{64}\); session total \$0\.017/)
    } finally {
      await client.close()
    }
  }, 90_000)

  it('stops at --budget-usd for the session', async () => {
    const { client } = await spawnMcp('--max-usd', '0.05', '--budget-usd', '0.03')
    try {
      const before = await devnet.usdcBalance(payer.address)
      const first = (await client.callTool({
        name: 'daily_ohlcv',
        arguments: { symbol: 'BTC', limit: 1 },
      })) as CallToolResult
      expect(first.isError, textOf(first)).toBeFalsy()
      const second = (await client.callTool({
        name: 'daily_ohlcv',
        arguments: { symbol: 'SOL', limit: 1 },
      })) as CallToolResult
      expect(second.isError).toBe(true)
      expect(textOf(second)).toMatch(/\$0\.017 spent this session, --budget-usd 0\.03 would be exceeded/)
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    } finally {
      await client.close()
    }
  }, 90_000)
})
