import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { callCommand } from '../../src/cli/call'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
let server: Awaited<ReturnType<typeof listen>>
const payer = devnetAccount(5).address

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
  server = await listen(ctx.app)
  process.env.PAYER_PRIVATE_KEY = devnetPrivateKey(5)
})
afterAll(async () => {
  await server?.close()
  ctx?.close()
  await devnet?.stop()
})
afterEach(() => {
  process.exitCode = undefined
  vi.restoreAllMocks()
})

/** Runs the CLI in-process and returns what it printed. */
async function cli(...args: string[]) {
  process.exitCode = undefined
  const out: string[] = []
  const err: string[] = []
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')))
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')))
  await callCommand([...args, '--url', server.url])
  vi.restoreAllMocks()
  return { out: out.join('\n'), err: err.join('\n'), exitCode: process.exitCode }
}

describe('x402-analytics call', () => {
  it('pays on the devnet and prints the data and the settlement transaction', async () => {
    const before = await devnet.usdcBalance(payer)
    const { out, exitCode } = await cli('/v1/daily-ohlcv?symbol=ETH&limit=2', '--max-usd', '0.05')
    expect(exitCode).toBeUndefined()
    expect(out).toMatch(/HTTP 200/)
    expect(out).toMatch(/paid: 0\.017 USDC \(17000 atomic, ≈ \$0\.017\) {2}tx: 0x[0-9a-f]{64}/)
    expect(out).toMatch(/"TOKEN_SYMBOL":"ETH"/)
    expect(await devnet.usdcBalance(payer)).toBe(before - 17_000n)
  })

  it('refuses a quote above --max-usd and moves nothing', async () => {
    const before = await devnet.usdcBalance(payer)
    const { err, exitCode } = await cli('/v1/daily-ohlcv?symbol=ETH', '--max-usd', '0.01')
    expect(exitCode).toBe(1)
    expect(err).toMatch(/refusing to pay 0\.017 USDC .* above --max-usd 0\.01 \(10000 atomic\)/)
    expect(await devnet.usdcBalance(payer)).toBe(before)
  })

  it('--dry-run prints the offers and moves nothing', async () => {
    const before = await devnet.usdcBalance(payer)
    const { out } = await cli('/v1/daily-ohlcv?symbol=ETH', '--dry-run')
    expect(out).toMatch(/USDC: 17000 atomic on eip155:8453/)
    expect(out).toMatch(/nothing was paid/)
    expect(await devnet.usdcBalance(payer)).toBe(before)
  })

  it('keeps a running total with --budget-usd across --repeat calls', async () => {
    const before = await devnet.usdcBalance(payer)
    const { out, err, exitCode } = await cli(
      '/v1/daily-ohlcv?symbol=BTC&limit=1',
      '--repeat',
      '3',
      '--budget-usd',
      '0.04',
    )
    expect(out.match(/HTTP 200/g)).toHaveLength(2)
    expect(err).toMatch(/stopping before call 3: \$0\.034 spent/)
    expect(exitCode).toBe(1)
    expect(await devnet.usdcBalance(payer)).toBe(before - 34_000n)
  })

  it('--token tmai converts the USD cap into 18-decimal TMAI units, pays through Permit2, and refuses over-cap quotes', async () => {
    const tmai = (owner: `0x${string}`) =>
      devnet.client.readContract({
        address: NETWORKS.devnet.tmai!.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [owner],
      })
    const before = await tmai(payer)
    const refused = await cli('/v1/daily-ohlcv?symbol=ETH', '--token', 'tmai', '--max-usd', '0.01')
    expect(refused.exitCode).toBe(1)
    expect(refused.err).toMatch(
      /refusing to pay 21\.857142857142857143 TMAI .* \(14285714285714285714 atomic\)/,
    )
    const paid = await cli('/v1/daily-ohlcv?symbol=ETH&limit=1', '--token', 'tmai', '--max-usd', '0.05')
    expect(paid.exitCode).toBeUndefined()
    expect(paid.out).toMatch(/paid: 21\.857142857142857143 TMAI \(21857142857142857143 atomic, ≈ \$0\.0153\)/)
    expect(await tmai(payer)).toBe(before - 21_857_142_857_142_857_143n)
  })

  it('explains itself without a path', async () => {
    const { out, exitCode } = await cli()
    expect(out).toMatch(/Usage: x402-analytics call/)
    expect(exitCode).toBe(2)
  })
})
