import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import {
  decodeHeaderJson,
  signUsdcAuthorization,
  usdcRequirementV2,
  v1Header,
  v2Header,
} from '../helpers/payments'

const URL_PATH = 'http://localhost/v1/daily-ohlcv?symbol=ETH&limit=3'
const payer = devnetAccount(5)
const payTo = devnetAccount(0).address

let devnet: TestDevnet
let ctx: Awaited<ReturnType<typeof createTestContext>>

beforeAll(async () => {
  devnet = await startTestDevnet()
  ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
})
afterAll(async () => {
  ctx?.close()
  await devnet?.stop()
})

const send = (headers: Record<string, string>, path = URL_PATH) => ctx.app.request(path, { headers })

/** Asserts a rejected request moved no money and left no charge in the ledger. */
async function expectNoCharge(run: () => Promise<void>) {
  const before = [await devnet.usdcBalance(payer.address), await devnet.usdcBalance(payTo)]
  const settledBefore = (await ctx.payments({ state: 'settled' })).length
  await run()
  expect([await devnet.usdcBalance(payer.address), await devnet.usdcBalance(payTo)]).toEqual(before)
  expect((await ctx.payments({ state: 'settled' })).length).toBe(settledBefore)
  const live = (await ctx.payments()).filter((p) => ['reserved', 'verified', 'settling'].includes(p.state))
  expect(live).toEqual([])
}

async function expectReason(res: Response, status: number, reason: string) {
  expect(res.status).toBe(status)
  const body = (await res.json()) as { error: string; message: string }
  expect(body.error).toBe(reason)
  expect(body.message.length).toBeGreaterThan(5)
  if (status === 402) {
    const v2 = decodeHeaderJson(res.headers.get('payment-required'))
    expect(v2?.error).toBe(reason)
    expect(((v2?.accepts ?? []) as unknown[]).length).toBeGreaterThan(0)
  }
}

describe('the 402 challenge', () => {
  it('carries v1 body and v2 header with the same offer, exact integer amounts, no-store and CORS exposure', async () => {
    const res = await ctx.app.request(URL_PATH, { headers: { Origin: 'https://agent.example' } })
    expect(res.status).toBe(402)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED')
    expect(res.headers.get('access-control-expose-headers')).toContain('X-PAYMENT-RESPONSE')
    const v1 = (await res.json()) as { x402Version: number; accepts: Record<string, unknown>[] }
    expect(v1.x402Version).toBe(1)
    expect(v1.accepts).toHaveLength(1)
    expect(v1.accepts[0]).toMatchObject({
      scheme: 'exact',
      network: 'base',
      maxAmountRequired: '17000',
      resource: URL_PATH,
      mimeType: 'application/json',
      payTo,
      maxTimeoutSeconds: 120,
      asset: NETWORKS.devnet.usdc.address,
      extra: { name: 'USD Coin', version: '2' },
    })
    expect(v1.accepts[0]?.outputSchema).toMatchObject({ input: { type: 'http', method: 'GET' } })
    const v2 = decodeHeaderJson(res.headers.get('payment-required'))
    // v2 lists USDC first, then TMAI at 10% off via Permit2; v1 (EIP-3009 only) lists USDC alone.
    expect(v2).toMatchObject({
      x402Version: 2,
      resource: { url: URL_PATH },
      accepts: [
        usdcRequirementV2(),
        {
          ...usdcRequirementV2(),
          asset: NETWORKS.devnet.tmai!.address,
          amount: '21857142857142857143', // ceil(0.017 × 0.9 / 0.0007 × 10^18)
          extra: { assetTransferMethod: 'permit2' },
        },
      ],
    })
  })

  it('answers CORS preflight allowing the payment request headers', async () => {
    const res = await ctx.app.request('/v1/daily-ohlcv', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://agent.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-payment,payment-signature,access-control-expose-headers',
      },
    })
    expect(res.status).toBe(204)
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase() ?? ''
    for (const h of ['x-payment', 'payment-signature', 'access-control-expose-headers'])
      expect(allowed).toContain(h)
  })
})

describe('bad payments are refused with a reason and move no money', () => {
  it('a used header sent again (v2 and v1)', async () => {
    const payment = await signUsdcAuthorization(payer)
    const first = await send({ 'PAYMENT-SIGNATURE': v2Header(payment) })
    expect(first.status).toBe(200)
    await expectNoCharge(async () => {
      await expectReason(
        await send({ 'PAYMENT-SIGNATURE': v2Header(payment) }),
        402,
        'invalid_exact_evm_nonce_already_used',
      )
      await expectReason(
        await send({ 'X-PAYMENT': v1Header(payment) }),
        402,
        'invalid_exact_evm_nonce_already_used',
      )
    })
  })

  it.each([
    ['amount', { amount: '1700' }, 'invalid_payment_requirements'],
    ['payTo', { payTo: devnetAccount(7).address }, 'invalid_payment_requirements'],
    ['asset', { asset: NETWORKS.devnet.tmai!.address }, 'invalid_payment_requirements'],
    ['network', { network: 'eip155:84532' }, 'invalid_exact_evm_network_mismatch'],
    ['maxTimeoutSeconds', { maxTimeoutSeconds: 3600 }, 'invalid_payment_requirements'],
  ])('tampered accepted.%s (v2)', async (_term, tamper, reason) => {
    const payment = await signUsdcAuthorization(payer)
    await expectNoCharge(async () => {
      await expectReason(
        await send({ 'PAYMENT-SIGNATURE': v2Header(payment, usdcRequirementV2(tamper)) }),
        402,
        reason,
      )
    })
  })

  it.each([
    ['a lower value', { value: 1_700n }, 'invalid_exact_evm_payload_authorization_value_mismatch'],
    ['another recipient', { to: devnetAccount(7).address }, 'invalid_exact_evm_recipient_mismatch'],
    ['a signature from another key', { signer: devnetAccount(6) }, 'invalid_exact_evm_signature'],
    [
      'another token domain',
      { verifyingContract: NETWORKS.devnet.tmai!.address },
      'invalid_exact_evm_signature',
    ],
    [
      'an expired window',
      { validBefore: BigInt(Math.floor(Date.now() / 1000) - 5) },
      'invalid_exact_evm_payload_authorization_valid_before',
    ],
    [
      'a not-yet-valid window',
      { validAfter: BigInt(Math.floor(Date.now() / 1000) + 60) },
      'invalid_exact_evm_payload_authorization_valid_after',
    ],
    [
      'a window beyond maxTimeoutSeconds',
      { validBefore: BigInt(Math.floor(Date.now() / 1000) + 3600) },
      'invalid_exact_evm_payload_authorization_valid_before',
    ],
  ])('an authorization with %s (v2 and v1)', async (_what, overrides, reason) => {
    await expectNoCharge(async () => {
      await expectReason(
        await send({ 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(payer, overrides)) }),
        402,
        reason,
      )
      const v1Reason = reason === 'invalid_exact_evm_payload_authorization_value_mismatch' ? reason : reason
      await expectReason(
        await send({ 'X-PAYMENT': v1Header(await signUsdcAuthorization(payer, overrides)) }),
        402,
        v1Reason,
      )
    })
  })

  it('a v1 payment on another network', async () => {
    const payment = await signUsdcAuthorization(payer)
    await expectNoCharge(async () => {
      await expectReason(
        await send({ 'X-PAYMENT': v1Header(payment, 'base-sepolia') }),
        402,
        'invalid_exact_evm_network_mismatch',
      )
    })
  })

  it('insufficient balance', async () => {
    const broke = privateKeyToAccount(generatePrivateKey())
    await expectNoCharge(async () => {
      const res = await send({ 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(broke)) })
      await expectReason(res, 402, 'invalid_exact_evm_insufficient_balance')
    })
  })

  it.each([
    ['garbage base64', '%%%not-base64%%%', 'invalid_payload'],
    ['base64 of non-JSON', Buffer.from('hello world').toString('base64'), 'invalid_payload'],
    [
      'JSON of the wrong shape',
      Buffer.from(JSON.stringify({ x402Version: 2, accepted: 5 })).toString('base64'),
      'invalid_payload',
    ],
    ['a header over 16 KiB', 'A'.repeat(17 * 1024), 'payment_header_too_large'],
  ])('%s', async (_what, header, reason) => {
    await expectNoCharge(async () => {
      await expectReason(await send({ 'PAYMENT-SIGNATURE': header }), 400, reason)
      await expectReason(await send({ 'X-PAYMENT': header }), 400, reason)
    })
  })

  it('a payload with a malformed authorization names the field', async () => {
    const payment = await signUsdcAuthorization(payer)
    const broken = { ...payment, authorization: { ...payment.authorization, nonce: '0x1234' } }
    const res = await send({ 'PAYMENT-SIGNATURE': v2Header(broken as never) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toContain('nonce')
  })
})

describe('handler failures and bad parameters charge nothing', () => {
  it('an unknown symbol answers 404, releases the payment, and the same payment later buys a valid request', async () => {
    const payment = await signUsdcAuthorization(payer)
    await expectNoCharge(async () => {
      const res = await send(
        { 'PAYMENT-SIGNATURE': v2Header(payment) },
        'http://localhost/v1/daily-ohlcv?symbol=NOPE',
      )
      await expectReason(res, 404, 'unknown_symbol')
    })
    const released = (await ctx.payments({ payer: payer.address })).find(
      (p) => p.nonce === payment.authorization.nonce,
    )
    expect(released).toMatchObject({ state: 'released', failureReason: 'handler_status_404' })
    const before = await devnet.usdcBalance(payer.address)
    expect((await send({ 'PAYMENT-SIGNATURE': v2Header(payment) })).status).toBe(200)
    expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
  })

  it.each([
    ['limit', 'symbol=ETH&limit=500'],
    ['startDate', 'symbol=ETH&startDate=2026-13-45'],
    ['startDate', 'symbol=ETH&startDate=2026-03-10&endDate=2026-03-01'],
    ['symbol', 'limit=5'],
  ])('a bad %s answers 400 naming it', async (parameter, query) => {
    const payment = await signUsdcAuthorization(payer)
    await expectNoCharge(async () => {
      const res = await send(
        { 'PAYMENT-SIGNATURE': v2Header(payment) },
        `http://localhost/v1/daily-ohlcv?${query}`,
      )
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_parameter', parameter })
    })
  })
})
