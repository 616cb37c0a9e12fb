/**
 * The paid-request core under faults a probe found, on the real devnet, app and SQLite file: the ledger locked while
 * a Transfer confirms, addresses in letter cases viem refuses, and base-sepolia's chain id.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseEnv } from '../../src/config/env'
import { devnetAccount } from '../../src/devnet/accounts'
import { createChainClients } from '../../src/services'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=ETH&limit=3'
const payTo = devnetAccount(0).address

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>
const logLines: string[] = []

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, logLines })
})
afterAll(async () => {
  ctx?.close()
  await devnet?.stop()
})

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the ledger cannot be written when the Transfer confirms', () => {
  it('the charged payer still gets the data and the transaction, the server stays responsive, the row is fixed later', async () => {
    const payer = devnetAccount(6)
    const before = await devnet.usdcBalance(payer.address)
    await devnet.testClient.setAutomine(false)
    const lock = new Database(ctx.config.databasePath)
    try {
      const paid = ctx.app.request(PATH, {
        headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(payer)) },
      })
      // Broadcast (its hash stored first), not yet mined: now another process takes the write lock.
      await until(async () => (await ctx.payments()).some((p) => p.state === 'settling' && p.txHash))
      lock.exec('BEGIN IMMEDIATE')
      await devnet.testClient.mine({ blocks: 1 })

      // While the core retries the locked write, other requests are answered at once (no synchronous busy wait).
      const started = performance.now()
      const health = await ctx.app.request('http://localhost/health')
      expect(health.status).toBe(200)
      expect(performance.now() - started).toBeLessThan(250)

      const res = await paid
      expect(res.status).toBe(200)
      const settlement = decodeHeaderJson(res.headers.get('payment-response'))
      expect(settlement).toMatchObject({ success: true })
      expect(String(settlement?.transaction)).toMatch(/^0x[0-9a-f]{64}$/)
      expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0)
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
      expect(logLines.join('\n')).not.toMatch(/nothing was charged/)
      // Still `settling` with its hash (the reconciler could rebuild it from the chain), and kept in memory.
      expect((await ctx.payments()).at(-1)).toMatchObject({
        state: 'settling',
        txHash: settlement?.transaction,
      })
      expect(ctx.services.paid.outbox.size).toBe(1)
    } finally {
      lock.exec('COMMIT')
      lock.close()
      await devnet.testClient.setAutomine(true)
    }
    await ctx.services.paid.outbox.flush()
    expect(ctx.services.paid.outbox.size).toBe(0)
    expect((await ctx.payments()).at(-1)).toMatchObject({ state: 'settled' })
  })
})

describe('payer addresses in any valid letter case', () => {
  const upper = (address: string) => `0x${address.slice(2).toUpperCase()}` as `0x${string}`

  it('all upper-case hex (valid under EIP-55) is accepted, normalised and settled', async () => {
    const payer = devnetAccount(7)
    const signed = await signUsdcAuthorization(payer)
    signed.authorization.from = upper(signed.authorization.from)
    signed.authorization.to = upper(signed.authorization.to)
    const before = await devnet.usdcBalance(payer.address)
    const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': v2Header(signed) } })
    expect(res.status).toBe(200)
    expect(decodeHeaderJson(res.headers.get('payment-response'))).toMatchObject({
      success: true,
      payer: payer.address,
    })
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
  })

  it('a mixed-case address with a wrong checksum is the client’s error: 400 invalid_payload, no ERROR logged', async () => {
    const payer = devnetAccount(8)
    const signed = await signUsdcAuthorization(payer)
    const hex = signed.authorization.from.slice(2)
    // Flip the case of one letter: still mixed case, no longer the EIP-55 checksum.
    const at = [...hex].findIndex((c) => /[a-f]/i.test(c))
    const flipped = hex[at] === hex[at]!.toLowerCase() ? hex[at]!.toUpperCase() : hex[at]!.toLowerCase()
    signed.authorization.from = `0x${hex.slice(0, at)}${flipped}${hex.slice(at + 1)}` as `0x${string}`
    const linesBefore = logLines.length
    const res = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': v2Header(signed) } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_payload' })
    expect(logLines.slice(linesBefore).join('\n')).not.toMatch(/ERROR/)
    expect(await ctx.payments()).not.toContainEqual(
      expect.objectContaining({ payer: payer.address.toLowerCase() }),
    )
  })
})

describe('chain definitions per network', () => {
  it('base-sepolia clients carry chain id 84532, base and the devnet 8453', () => {
    const config = (network: string) =>
      parseEnv({
        NETWORK: network,
        RPC_URL: 'http://127.0.0.1:1',
        PAY_TO: payTo,
        SETTLER_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
      })
    expect(createChainClients(config('base-sepolia'), 'http://127.0.0.1:1').client.chain?.id).toBe(84532)
    expect(createChainClients(config('base'), 'http://127.0.0.1:1').client.chain?.id).toBe(8453)
    expect(
      createChainClients(config('devnet'), 'http://127.0.0.1:1').walletFor(`0x${'11'.repeat(32)}`).chain.id,
    ).toBe(8453)
  })
})
