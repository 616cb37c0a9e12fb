import { ExactEvmScheme, registerExactEvmScheme } from '@x402/evm/exact/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import type { LocalAccount } from 'viem'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { permit2ApproveCommand } from '../../src/cli/permit2-approve'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import type { TmaiRateResult } from '../../src/pricing/tmai-offers'
import { encodeHeader } from '../../src/x402/codec'
import type { PaymentRequirementsV2 } from '../../src/x402/schemas'
import { createTestContext, listen } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

const TMAI = NETWORKS.devnet.tmai!
const USDC = NETWORKS.devnet.usdc
const PATH = '/v1/daily-ohlcv?symbol=ETH&limit=2'
const payTo = devnetAccount(0).address
/** ceil(0.017 × (1 − 0.10) / 0.0007 × 10^18) */
const QUOTED = 21_857_142_857_142_857_143n

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})
afterEach(() => {
  process.exitCode = undefined
  vi.restoreAllMocks()
})

const tmaiBalance = (owner: `0x${string}`) =>
  devnet.client.readContract({
    address: TMAI.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  })

/** A rate feed the test moves: a rate, or an outage. */
function controllableFeed(initial: TmaiRateResult) {
  let current = initial
  return {
    feed: { current: async () => current },
    set(next: TmaiRateResult) {
      current = next
    },
  }
}
const fixed = (usd: string): TmaiRateResult => ({ ok: true, usd, observedAt: Date.now(), source: 'test' })

/** The v2 client of an agent that opted in to paying TMAI (non-default asset) with a cap in atomic units. */
function tmaiClient(payer: LocalAccount) {
  const client = new x402Client()
  registerExactEvmScheme(client, { signer: payer })
  client.setSpendControls({
    allowedAssets: [
      { network: 'eip155:8453', asset: TMAI.address, maxAmountPerPayment: (30n * 10n ** 18n).toString() },
    ],
  })
  return client
}

/** The TMAI requirement from a fresh 402 (what a client would sign against). */
async function tmaiRequirement(app: {
  request: (p: string, i?: RequestInit) => Response | Promise<Response>
}) {
  const res = await app.request(PATH)
  const required = decodeHeaderJson(res.headers.get('payment-required')) as {
    accepts: PaymentRequirementsV2[]
  }
  const requirement = required.accepts.find((a) => a.asset === TMAI.address)
  if (!requirement) throw new Error('no TMAI offer')
  return requirement
}

async function permit2Header(payer: LocalAccount, requirement: PaymentRequirementsV2) {
  const created = await new ExactEvmScheme(payer).createPaymentPayload(2, requirement as never)
  return encodeHeader({ x402Version: 2, accepted: requirement, payload: created.payload })
}

describe('paying in TMAI through Permit2', () => {
  it('@x402/fetch (TMAI opted in) pays TMAI: exact quoted amount moves, ledger records asset, discount and rate', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const server = await listen(ctx.app)
    const payer = devnetAccount(1)
    const [payerBefore, payToBefore] = [await tmaiBalance(payer.address), await tmaiBalance(payTo)]
    const pay = wrapFetchWithPayment(fetch, tmaiClient(payer))
    const res = await pay(`${server.url}${PATH}`, { headers: { 'x-payment-token': 'tmai' } })
    expect(res.status).toBe(200)
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response')!)
    expect(settlement.success).toBe(true)
    expect(await tmaiBalance(payer.address)).toBe(payerBefore - QUOTED)
    expect(await tmaiBalance(payTo)).toBe(payToBefore + QUOTED)
    const [row] = await ctx.payments({ payer: payer.address })
    expect(row).toMatchObject({
      state: 'settled',
      assetSymbol: 'TMAI',
      amount: QUOTED.toString(),
      usdPrice: '0.017',
      usdValue: '0.0153',
      discount: '0.10',
      rateUsd: '0.0007',
      txHash: settlement.transaction,
    })
    await server.close()
    ctx.close()
  })

  it('without the header the v2 402 lists USDC first, then TMAI; x-payment-token: usdc offers USDC only', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const accepts = async (headers: Record<string, string>) =>
      (
        decodeHeaderJson((await ctx.app.request(PATH, { headers })).headers.get('payment-required')) as {
          accepts: { asset: string }[]
        }
      ).accepts.map((a) => a.asset)
    expect(await accepts({})).toEqual([USDC.address, TMAI.address])
    expect(await accepts({ 'x-payment-token': 'tmai' })).toEqual([TMAI.address, USDC.address])
    expect(await accepts({ 'x-payment-token': 'usdc' })).toEqual([USDC.address])
    const v1 = (await (await ctx.app.request(PATH)).json()) as { accepts: { asset: string }[] }
    expect(v1.accepts.map((a) => a.asset)).toEqual([USDC.address])
    ctx.close()
  })

  it('a payer without Permit2 allowance gets 412 permit2_allowance_required; after permit2-approve it pays', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payer = devnetAccount(6)
    const requirement = await tmaiRequirement(ctx.app)
    const before = await tmaiBalance(payer.address)
    const refused = await ctx.app.request(PATH, {
      headers: { 'PAYMENT-SIGNATURE': await permit2Header(payer, requirement) },
    })
    expect(refused.status).toBe(412)
    const body = (await refused.json()) as { error: string; message: string }
    expect(body.error).toBe('permit2_allowance_required')
    expect(body.message).toMatch(/permit2-approve --token TMAI/)
    expect(await tmaiBalance(payer.address)).toBe(before)

    process.env.PAYER_PRIVATE_KEY = devnetPrivateKey(6)
    const printed: string[] = []
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void printed.push(a.join(' ')))
    await permit2ApproveCommand(['--token', 'TMAI', '--rpc-url', devnet.rpcUrl])
    vi.restoreAllMocks()
    expect(process.exitCode).toBeUndefined()
    expect(printed.join('\n')).toMatch(
      /approve\(0x000000000022D473030F116dDEE9F6B43aC78BA3 \/\* Permit2 \*\/, max\)/,
    )
    expect(printed.join('\n')).toMatch(/approved in block/)

    const paid = await ctx.app.request(PATH, {
      headers: { 'PAYMENT-SIGNATURE': await permit2Header(payer, requirement) },
    })
    expect(paid.status).toBe(200)
    expect(await tmaiBalance(payer.address)).toBe(before - QUOTED)
    ctx.close()
  })

  it('the same Permit2 payment replayed, concurrently and afterwards: served once, settled once', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payer = devnetAccount(2)
    const before = await tmaiBalance(payer.address)
    const header = await permit2Header(payer, await tmaiRequirement(ctx.app))
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })),
    )
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1)
    expect(responses.filter((r) => r.status >= 500)).toHaveLength(0)
    const later = await ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })
    expect(later.status).toBe(402)
    expect(await tmaiBalance(payer.address)).toBe(before - QUOTED)
    expect((await ctx.payments({ payer: payer.address })).map((p) => p.state)).toEqual(['settled'])
    ctx.close()
  })

  it('when the TMAI price is stale or unavailable the 402 has no TMAI offer and says why; USDC keeps working', async () => {
    const control = controllableFeed({
      ok: false,
      reason: 'stale',
      message: 'TMAI price is 900 s old (max 300 s)',
    })
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, tmaiFeed: control.feed })
    const res = await ctx.app.request(PATH)
    const v2 = decodeHeaderJson(res.headers.get('payment-required')) as {
      accepts: { asset: string }[]
      extensions: Record<string, { info: { available: boolean; reason: string } }>
    }
    expect(v2.accepts.map((a) => a.asset)).toEqual([USDC.address])
    expect(v2.extensions['tmai-offer']?.info).toMatchObject({ available: false, reason: 'stale' })
    expect(((await res.json()) as { notices: Record<string, unknown> }).notices['tmai-offer']).toBeTruthy()
    expect(ctx.logLines.some((l) => /TMAI offer left out/.test(l) && /stale/.test(l))).toBe(true)
    const paid = await ctx.app.request(PATH, {
      headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(3))) },
    })
    expect(paid.status).toBe(200)
    control.set({ ok: false, reason: 'unavailable', message: 'price API answered 500' })
    const down = decodeHeaderJson((await ctx.app.request(PATH)).headers.get('payment-required')) as {
      accepts: unknown[]
    }
    expect(down.accepts).toHaveLength(1)
    ctx.close()
  })

  it('a quote made just before a rate change is honoured within its window; a made-up amount is refused', async () => {
    const control = controllableFeed(fixed('0.0007'))
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, tmaiFeed: control.feed })
    const payer = devnetAccount(4)
    const oldQuote = await tmaiRequirement(ctx.app)
    control.set(fixed('0.0010'))
    const newQuote = await tmaiRequirement(ctx.app)
    expect(BigInt(newQuote.amount)).toBeLessThan(BigInt(oldQuote.amount))

    const before = await tmaiBalance(payer.address)
    const honoured = await ctx.app.request(PATH, {
      headers: { 'PAYMENT-SIGNATURE': await permit2Header(payer, oldQuote) },
    })
    expect(honoured.status).toBe(200)
    expect(await tmaiBalance(payer.address)).toBe(before - BigInt(oldQuote.amount))

    const madeUp = { ...newQuote, amount: (BigInt(newQuote.amount) - 1n).toString() }
    const refused = await ctx.app.request(PATH, {
      headers: { 'PAYMENT-SIGNATURE': await permit2Header(payer, madeUp) },
    })
    expect(refused.status).toBe(402)
    expect(await refused.json()).toMatchObject({ error: 'invalid_payment_requirements' })
    expect(await tmaiBalance(payer.address)).toBe(before - BigInt(oldQuote.amount))
    ctx.close()
  })
})
