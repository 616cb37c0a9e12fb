/**
 * What unpaid junk leaves in the ledger, on the real devnet, app and SQLite file: payments with a random payer, a
 * signature that does not match and a padded `accepted.extra`, over MCP (`_meta["x402/payment"]`) and over HTTP
 * (`PAYMENT-SIGNATURE`). Each is refused; none may leave its payload behind, an oversized one none at all, and rows
 * past the retention window go in batches.
 */
import { randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reconcileOnce } from '../../src/payments/reconciler'
import { encodeHeader } from '../../src/x402/codec'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, usdcRequirementV2 } from '../helpers/payments'

const HTTP_PATH = 'http://localhost/v1/daily-ohlcv?symbol=BTC&limit=2'
const HEADER_CAP = 16 * 1024
/** A payment that does not match its payer: signed by this key, claiming someone else's address. */
const forger = privateKeyToAccount(`0x${'42'.repeat(32)}`)

let devnet: TestDevnet
let forgedSignature: `0x${string}`
beforeAll(async () => {
  devnet = await startTestDevnet()
  forgedSignature = (await signUsdcAuthorization(forger)).signature
})
afterAll(async () => {
  await devnet?.stop()
})

type Ctx = Awaited<ReturnType<typeof createTestContext>>

/** A junk v2 payment: random payer and nonce, a signature of someone else, `accepted.extra` padded by `padChars`. */
function junkPayment(padChars: number) {
  const now = Math.floor(Date.now() / 1000)
  const authorization = {
    from: `0x${randomBytes(20).toString('hex')}` as Address,
    to: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    value: '17000',
    validAfter: String(now - 600),
    validBefore: String(now + 100),
    nonce: `0x${randomBytes(32).toString('hex')}`,
  }
  const accepted = usdcRequirementV2()
  return {
    x402Version: 2,
    accepted: { ...accepted, extra: { ...accepted.extra, junk: 'j'.repeat(padChars) } },
    payload: { signature: forgedSignature, authorization },
  }
}

/** The padding that brings a header to just under the cap (base64 of JSON: 4 characters per 3 bytes). */
function padForHeader(): number {
  const bare = JSON.stringify(junkPayment(0)).length
  return Math.floor(((HEADER_CAP - 8) * 3) / 4) - bare
}

async function payOverHttp(ctx: Ctx, payment: unknown) {
  const res = await ctx.app.request(HTTP_PATH, { headers: { 'PAYMENT-SIGNATURE': encodeHeader(payment) } })
  return { status: res.status, body: (await res.json()) as { error?: string } }
}

async function payOverMcp(ctx: Ctx, payment: unknown, id: number) {
  const res = await ctx.app.request('http://localhost/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'daily_ohlcv',
        arguments: { symbol: 'BTC', limit: 2 },
        _meta: { 'x402/payment': payment },
      },
    }),
  })
  const rpc = (await res.json()) as { result: { isError?: boolean; content: { text: string }[] } }
  const error = JSON.parse(rpc.result.content[0]!.text) as { 'x402/error': { error: string; code: number } }
  return error['x402/error']
}

/** The database file's size once the WAL is folded into it (what the data really takes on disk). */
function checkpointedSize(path: string): number {
  const db = new Database(path)
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  return statSync(path).size
}

async function inBatches(count: number, size: number, work: (i: number) => Promise<void>) {
  for (let start = 0; start < count; start += size) {
    await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => work(start + k)))
  }
}

describe('unpaid junk cannot fill the disk', () => {
  let ctx: Ctx
  beforeAll(async () => {
    ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { LOG_LEVEL: 'warn' } })
  })
  afterAll(() => ctx?.close())

  it('an MCP payment object over the header cap is refused before anything is stored, like an oversized header', async () => {
    const before = (await ctx.payments()).length
    const oversized = junkPayment(100_000)
    const mcp = await payOverMcp(ctx, oversized, 1)
    expect(mcp).toMatchObject({ code: 400, error: 'payment_header_too_large' })
    const http = await payOverHttp(ctx, oversized)
    expect(http).toMatchObject({ status: 400, body: { error: 'payment_header_too_large' } })
    // Just under the cap, the same payment is read (and refused for its signature) on both doors.
    const atCap = padForHeader()
    expect((await payOverMcp(ctx, junkPayment(atCap), 2)).error).toBe('invalid_exact_evm_signature')
    expect((await payOverHttp(ctx, junkPayment(atCap))).body.error).toBe('invalid_exact_evm_signature')
    expect((await ctx.payments()).length).toBe(before + 2)
  })

  it('1,000 junk payments over MCP and HTTP grow the database by less than 1 MB; no row keeps a payload', async () => {
    const pad = padForHeader()
    // Warm-up: tables, indexes and spend windows exist before the baseline.
    await payOverHttp(ctx, junkPayment(pad))
    const baseline = checkpointedSize(ctx.config.databasePath)

    const reasons = new Map<string, number>()
    const count = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
    await inBatches(1_000, 10, async (i) => {
      if (i % 4 === 0) count((await payOverMcp(ctx, junkPayment(200_000), i)).error)
      else if (i % 4 === 1) count((await payOverMcp(ctx, junkPayment(pad), i)).error)
      else count((await payOverHttp(ctx, junkPayment(pad))).body.error ?? 'none')
    })
    const growth = checkpointedSize(ctx.config.databasePath) - baseline
    console.log(
      `1,000 junk payments: database ${baseline} → ${baseline + growth} bytes (+${(growth / 1024).toFixed(0)} KiB)`,
    )
    expect(Object.fromEntries(reasons)).toEqual({
      payment_header_too_large: 250,
      invalid_exact_evm_signature: 750,
    })
    expect(growth).toBeLessThan(1024 * 1024)
    const released = await ctx.payments({ state: 'released' })
    expect(released.length).toBeGreaterThanOrEqual(750)
    expect(released.every((row) => row.payload.length < 64)).toBe(true)
  }, 180_000)

  it('released rows older than the retention window are pruned by the reconciler, in batches', async () => {
    const released = (await ctx.payments({ state: 'released' })).length
    expect(released).toBeGreaterThan(500)
    const week = 7 * 24 * 3_600_000
    const deps = { ...ctx.services, now: () => Date.now() + week + 60_000 }
    const first = await reconcileOnce({ ...deps, pruneBatchSize: 200, pruneMaxBatches: 2 })
    expect(first.pruned).toBe(400)
    const rest = await reconcileOnce({ ...deps, pruneBatchSize: 200 })
    expect(rest.pruned).toBe(released - 400)
    expect(await ctx.payments({ state: 'released' })).toEqual([])
  })
})
