import type { LocalAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devnetAccount } from '../../src/devnet/accounts'
import { spendPolicyDomain, spendPolicyTypes } from '../../src/payments/spend-policy'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=ETH&limit=2'
const payTo = devnetAccount(0).address

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

async function pay(
  ctx: Awaited<ReturnType<typeof createTestContext>>,
  payerIndex: number,
  headers: Record<string, string> = {},
  path = PATH,
) {
  const header = v2Header(await signUsdcAuthorization(devnetAccount(payerIndex)))
  return ctx.app.request(path, { headers: { 'PAYMENT-SIGNATURE': header, ...headers } })
}

describe('server-side spend limits', () => {
  it('a payer at its hourly cap gets 402 spend_limit_exceeded with the reset time and no transfer; after the window it pays again', async () => {
    let now = Math.floor(Date.now() / 1000)
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SPEND_MAX_USD_PER_PAYER_HOUR: '0.034' },
      nowSeconds: () => now,
    })
    const payer = devnetAccount(1).address
    expect((await pay(ctx, 1)).status).toBe(200)
    expect((await pay(ctx, 1)).status).toBe(200)
    const before = [await devnet.usdcBalance(payer), await devnet.usdcBalance(payTo)]
    const refused = await pay(ctx, 1)
    expect(refused.status).toBe(402)
    const body = (await refused.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      error: 'spend_limit_exceeded',
      limit: 'payer_hour',
      setBy: 'operator',
      capUsd: '0.034',
      remainingUsd: '0',
    })
    const resetsAt = Date.parse(body.resetsAt as string) / 1000
    expect(resetsAt % 3600).toBe(0)
    expect(Number(refused.headers.get('retry-after'))).toBe(resetsAt - now)
    expect(decodeHeaderJson(refused.headers.get('payment-required'))?.error).toBe('spend_limit_exceeded')
    expect([await devnet.usdcBalance(payer), await devnet.usdcBalance(payTo)]).toEqual(before)
    expect((await ctx.payments({ payer })).filter((p) => p.state === 'settled')).toHaveLength(2)

    now = resetsAt + 1
    expect((await pay(ctx, 1)).status).toBe(200)
    ctx.close()
  })

  it('40 concurrent paid calls racing a daily cap that fits 10: exactly 10 charged, the cap never exceeded', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SPEND_MAX_USD_PER_PAYER_DAY: '0.17' },
    })
    const payer = devnetAccount(2)
    const before = await devnet.usdcBalance(payer.address)
    const headers = await Promise.all(
      Array.from({ length: 40 }, async () => v2Header(await signUsdcAuthorization(payer))),
    )
    const responses = await Promise.all(
      headers.map((h) => ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': h } })),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 402)).toHaveLength(30)
    for (const res of responses.filter((r) => r.status === 402)) {
      expect(((await res.json()) as { error: string }).error).toBe('spend_limit_exceeded')
    }
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 10n * 17_000n)
    const usage = (await (await ctx.app.request(`/v1/spend-policy/${payer.address}`)).json()) as {
      data: { usage: { todayUsd: string } }
    }
    expect(usage.data.usage.todayUsd).toBe('0.17')
    ctx.close()
  })

  it('a request that is not charged (404) gives its spend back', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SPEND_MAX_USD_PER_PAYER_DAY: '0.017' },
    })
    expect((await pay(ctx, 3, {}, 'http://localhost/v1/daily-ohlcv?symbol=NOPE')).status).toBe(404)
    expect((await pay(ctx, 3)).status).toBe(200)
    expect((await pay(ctx, 3)).status).toBe(402)
    ctx.close()
  })
})

describe('payer-signed spend policies', () => {
  const policyFor = (
    payer: `0x${string}`,
    overrides: Partial<Record<'maxUsdPerCall' | 'maxUsdPerDay' | 'validUntil' | 'nonce', bigint>> = {},
  ) => ({
    payer,
    maxUsdPerCall: 10_000n, // $0.01
    maxUsdPerDay: 1_000_000n,
    validUntil: BigInt(Math.floor(Date.now() / 1000) + 3600),
    nonce: 1n,
    ...overrides,
  })
  const sign = (signer: LocalAccount, message: ReturnType<typeof policyFor>) =>
    signer.signTypedData({
      domain: spendPolicyDomain(8453),
      types: spendPolicyTypes,
      primaryType: 'SpendPolicy',
      message,
    })
  const post = (
    ctx: Awaited<ReturnType<typeof createTestContext>>,
    message: ReturnType<typeof policyFor>,
    signature: string,
  ) =>
    ctx.app.request('/v1/spend-policy', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        policy: Object.fromEntries(Object.entries(message).map(([k, v]) => [k, v.toString()])),
        signature,
      }),
    })

  it('lowers the per-call cap; replayed and forged policies are rejected; a looser one changes nothing', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payer = devnetAccount(4)
    expect((await pay(ctx, 4)).status).toBe(200)

    const strict = policyFor(payer.address)
    const strictSignature = await sign(payer, strict)
    const stored = await post(ctx, strict, strictSignature)
    expect(stored.status).toBe(201)
    expect(await stored.json()).toMatchObject({
      data: { effective: { maxUsdPerCall: '0.01' }, policy: { nonce: '1' } },
    })

    const refused = await pay(ctx, 4)
    expect(refused.status).toBe(402)
    expect(await refused.json()).toMatchObject({
      error: 'spend_limit_exceeded',
      limit: 'per_call',
      setBy: 'payer_policy',
      capUsd: '0.01',
    })

    const replay = await post(ctx, strict, strictSignature)
    expect(replay.status).toBe(409)
    expect(await replay.json()).toMatchObject({ error: 'policy_nonce_used' })

    const forged = policyFor(payer.address, { maxUsdPerCall: 100_000_000n, nonce: 2n })
    const forgedResponse = await post(ctx, forged, await sign(devnetAccount(5), forged))
    expect(forgedResponse.status).toBe(401)
    expect(await forgedResponse.json()).toMatchObject({ error: 'invalid_signature' })

    // Looser than the operator's $1 per call: stored (nonce 3), but the effective cap stays the operator's.
    const loose = policyFor(payer.address, {
      maxUsdPerCall: 100_000_000n,
      maxUsdPerDay: 100_000_000_000n,
      nonce: 3n,
    })
    expect((await post(ctx, loose, await sign(payer, loose))).status).toBe(201)
    const view = (await (await ctx.app.request(`/v1/spend-policy/${payer.address}`)).json()) as {
      data: { effective: { maxUsdPerCall: string; maxUsdPerDay: string } }
    }
    expect(view.data.effective).toMatchObject({ maxUsdPerCall: '1', maxUsdPerDay: '25' })
    expect((await pay(ctx, 4)).status).toBe(200)
    ctx.close()
  })

  it('a malformed body or an expired policy is a 400 naming the field', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const someone = privateKeyToAccount(generatePrivateKey())
    const expired = policyFor(someone.address, { validUntil: 1n })
    const res = await post(ctx, expired, await sign(someone, expired))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter: 'policy.validUntil' })
    const bad = await ctx.app.request('/v1/spend-policy', { method: 'POST', body: '{"policy":{}}' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { parameter: string }).parameter).toMatch(/^policy\./)
    ctx.close()
  })
})

describe('safe retries', () => {
  it('the same Idempotency-Key after a success returns the same body and settlement header and moves no money', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payer = devnetAccount(6).address
    const key = 'retry-key-0123456789'
    const first = await pay(ctx, 6, { 'Idempotency-Key': key })
    expect(first.status).toBe(200)
    const firstBody = await first.text()
    const balance = await devnet.usdcBalance(payer)
    const retry = await pay(ctx, 6, { 'Idempotency-Key': key }) // a fresh signed payment, as a client would send
    expect(retry.status).toBe(200)
    expect(await retry.text()).toBe(firstBody)
    expect(retry.headers.get('payment-response')).toBe(first.headers.get('payment-response'))
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await devnet.usdcBalance(payer)).toBe(balance)
    expect((await ctx.payments({ payer })).filter((p) => p.state === 'settled')).toHaveLength(1)

    const other = await pay(ctx, 6, { 'Idempotency-Key': key }, 'http://localhost/v1/daily-ohlcv?symbol=BTC')
    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ error: 'idempotency_key_reused' })
    expect(await devnet.usdcBalance(payer)).toBe(balance)
    ctx.close()
  })

  it('the x402 payment-identifier extension works as a key; a key still running answers 409 request_in_progress', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: { SETTLEMENT_TIMEOUT_MS: '1500' } })
    const payer = devnetAccount(7)
    const withId = async () => {
      const payload = await signUsdcAuthorization(payer)
      const decoded = JSON.parse(Buffer.from(v2Header(payload), 'base64').toString())
      decoded.extensions = { 'payment-identifier': { info: { id: 'pay_0123456789abcdef' } } }
      return Buffer.from(JSON.stringify(decoded)).toString('base64')
    }
    await devnet.testClient.setAutomine(false)
    try {
      const slow = ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': await withId() } })
      await new Promise((r) => setTimeout(r, 400))
      const racing = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': await withId() } })
      expect(racing.status).toBe(409)
      expect(await racing.json()).toMatchObject({ error: 'request_in_progress' })
      await devnet.testClient.mine({ blocks: 1 })
      expect((await slow).status).toBe(200)
    } finally {
      await devnet.testClient.setAutomine(true)
    }
    const before = await devnet.usdcBalance(payer.address)
    const replayed = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': await withId() } })
    expect(replayed.status).toBe(200)
    expect(replayed.headers.get('idempotent-replayed')).toBe('true')
    expect(await devnet.usdcBalance(payer.address)).toBe(before)
    ctx.close()
  })

  it('a malformed key is a 400 that costs nothing', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const res = await pay(ctx, 8, { 'Idempotency-Key': 'short' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter: 'Idempotency-Key' })
    ctx.close()
  })
})
