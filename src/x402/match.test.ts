import { describe, expect, it } from 'vitest'
import { NETWORKS } from '../config/networks'
import type { TmaiQuote } from '../pricing/tmai-offers'
import { decodePayment, headerSizeOf, matchV1, matchV2 } from './match'
import { buildOffers, type Offer, type ResourceDescription, toRequirementsV2 } from './offers'
import type { PaymentPayloadV1, PaymentPayloadV2, PaymentRequirementsV2 } from './schemas'

const network = NETWORKS.devnet
const payTo = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const quote: TmaiQuote = {
  route: '/v1/x',
  amountAtomic: 21_857_142_857_142_857_143n,
  usdMicros: 15_300n,
  discount: '0.10',
  rateUsd: '0.0007',
  source: 'fixed',
  observedAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
}
const offers = buildOffers({ network, payTo, usdPrice: '0.017', maxTimeoutSeconds: 120 }, { tmai: quote })
const [usdcOffer, tmaiOffer] = offers as [Offer, Offer]
const usdc = toRequirementsV2(usdcOffer)
const tmai = toRequirementsV2(tmaiOffer)
const resource: ResourceDescription = {
  url: 'http://x/v1/x',
  description: 'x',
  mimeType: 'application/json',
  outputSchema: {},
}

const eip3009 = {
  signature: `0x${'11'.repeat(65)}`,
  authorization: {
    from: payer,
    to: payTo,
    value: '17000',
    validAfter: '0',
    validBefore: '9999999999',
    nonce: `0x${'01'.repeat(32)}`,
  },
}
const permit2 = {
  signature: `0x${'22'.repeat(65)}`,
  permit2Authorization: {
    from: payer,
    permitted: { token: tmai.asset, amount: tmai.amount },
    spender: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
    nonce: '7',
    deadline: '9999999999',
    witness: { to: payTo, validAfter: '0' },
  },
}
const v2 = (accepted: PaymentRequirementsV2, payload: unknown = eip3009): PaymentPayloadV2 => ({
  x402Version: 2,
  accepted,
  payload,
})

describe('matchV2: the echoed requirement must be one of ours, term for term', () => {
  it('binds USDC to the EIP-3009 method and TMAI to Permit2, naming the payer', () => {
    expect(matchV2(v2(usdc), offers)).toMatchObject({
      ok: true,
      value: { method: 'eip3009', payer, offer: usdcOffer },
    })
    expect(matchV2(v2(tmai, permit2), offers)).toMatchObject({
      ok: true,
      value: { method: 'permit2', x402Version: 2, payer, offer: tmaiOffer },
    })
  })

  it.each<[string, Partial<PaymentRequirementsV2>, string, RegExp]>([
    ['scheme', { scheme: 'upto' }, 'invalid_payment_requirements', /accepted\.scheme/],
    ['network', { network: 'eip155:1' }, 'invalid_exact_evm_network_mismatch', /eip155:1 is not offered/],
    [
      'asset',
      { asset: '0x0000000000000000000000000000000000000001' },
      'invalid_payment_requirements',
      /asset/,
    ],
    ['amount', { amount: '16999' }, 'invalid_payment_requirements', /accepted\.amount/],
    ['payTo', { payTo: payer }, 'invalid_payment_requirements', /accepted\.payTo/],
    ['maxTimeoutSeconds', { maxTimeoutSeconds: 3600 }, 'invalid_payment_requirements', /maxTimeoutSeconds/],
    ['extra.name', { extra: { name: 'USDC', version: '2' } }, 'invalid_payment_requirements', /extra\.name/],
    [
      'extra.version',
      { extra: { name: 'USD Coin', version: '1' } },
      'invalid_payment_requirements',
      /extra\.version/,
    ],
  ])('a different %s is refused', (_term, change, reason, message) => {
    const result = matchV2(v2({ ...usdc, ...change }), offers)
    expect(result).toMatchObject({ ok: false, kind: 'refused', reason })
    if (!result.ok) expect(result.message).toMatch(message)
  })

  it('TMAI without the Permit2 transfer method in extra is refused', () => {
    expect(matchV2(v2({ ...tmai, extra: {} }, permit2), offers)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/extra\.assetTransferMethod/),
    })
  })

  it('extra fields we do not set are ignored (our extra must be contained in theirs)', () => {
    expect(matchV2(v2({ ...usdc, extra: { ...usdc.extra, note: 'x' } }), offers).ok).toBe(true)
  })

  it('a quote honoured from earlier matches though no longer offered; unknown amounts do not', () => {
    const older = { ...tmaiOffer, amountAtomic: 20_000_000_000_000_000_000n }
    const accepted = toRequirementsV2(older)
    const payload = { ...permit2, permit2Authorization: { ...permit2.permit2Authorization } }
    expect(matchV2(v2(accepted, payload), offers).ok).toBe(false)
    expect(matchV2(v2(accepted, payload), offers, () => [older])).toMatchObject({
      ok: true,
      value: { offer: older },
    })
  })

  it.each([
    ['a missing signature', { authorization: eip3009.authorization }, /signature/],
    ['a short nonce', { ...eip3009, authorization: { ...eip3009.authorization, nonce: '0x01' } }, /nonce/],
    ['a float value', { ...eip3009, authorization: { ...eip3009.authorization, value: '17000.5' } }, /value/],
    [
      'a mistyped (bad checksum) payer',
      { ...eip3009, authorization: { ...eip3009.authorization, from: payer.replace('C5', 'c5') } },
      /checksum/,
    ],
  ])('a USDC payload with %s is malformed (400), not refused', (_what, payload, message) => {
    const result = matchV2(v2(usdc, payload), offers)
    expect(result).toMatchObject({ ok: false, kind: 'malformed', reason: 'invalid_payload' })
    if (!result.ok) expect(result.message).toMatch(message)
  })

  it('a Permit2 payload read as such: an EIP-3009 payload for the TMAI offer is malformed', () => {
    expect(matchV2(v2(tmai, eip3009), offers)).toMatchObject({ ok: false, kind: 'malformed' })
  })

  it('all upper-case hex carries no checksum (EIP-55): accepted and checksummed', () => {
    const upper = `0x${payer.slice(2).toUpperCase()}`
    const payload = {
      ...eip3009,
      authorization: { ...eip3009.authorization, from: upper, to: payTo.toLowerCase() },
    }
    const result = matchV2(v2(usdc, payload), offers)
    expect(result).toMatchObject({ ok: true, value: { payer } })
    if (result.ok && result.value.method === 'eip3009')
      expect(result.value.payload.authorization.to).toBe(payTo)
  })
})

describe('matchV1: bound by network, scheme and exact amount', () => {
  const v1 = (changes: Partial<PaymentPayloadV1> = {}, payload: unknown = eip3009): PaymentPayloadV1 => ({
    x402Version: 1,
    scheme: 'exact',
    network: 'base',
    payload,
    ...changes,
  })

  it('binds the USDC offer (TMAI cannot be paid with v1)', () => {
    expect(matchV1(v1(), offers, resource)).toMatchObject({
      ok: true,
      value: { x402Version: 1, method: 'eip3009', offer: usdcOffer, payer },
    })
  })

  it.each<[string, PaymentPayloadV1, string]>([
    ['another scheme', v1({ scheme: 'upto' }), 'invalid_exact_evm_scheme'],
    ['another network', v1({ network: 'base-sepolia' }), 'invalid_exact_evm_network_mismatch'],
    [
      'another amount',
      v1({}, { ...eip3009, authorization: { ...eip3009.authorization, value: '1' } }),
      'invalid_exact_evm_payload_authorization_value_mismatch',
    ],
  ])('%s is refused', (_what, payload, reason) => {
    expect(matchV1(payload, offers, resource)).toMatchObject({ ok: false, kind: 'refused', reason })
  })

  it('a malformed payload is malformed', () => {
    expect(matchV1(v1({}, { signature: '0x' }), offers, resource)).toMatchObject({
      ok: false,
      kind: 'malformed',
    })
  })
})

describe('decodePayment', () => {
  it('reads a v2 header, a v1 header and an MCP object alike', () => {
    const header = Buffer.from(JSON.stringify(v2(usdc))).toString('base64')
    expect(decodePayment({ version: 2, header }, 16_384)).toMatchObject({ ok: true, value: { version: 2 } })
    expect(decodePayment({ version: 2, object: v2(usdc) }, 16_384)).toMatchObject({
      ok: true,
      value: { version: 2 },
    })
    const v1Header = Buffer.from(
      JSON.stringify({ x402Version: 1, scheme: 'exact', network: 'base', payload: {} }),
    ).toString('base64')
    expect(decodePayment({ version: 1, header: v1Header }, 16_384)).toMatchObject({
      ok: true,
      value: { version: 1 },
    })
  })

  it('a v1 payload sent as v2 (or any other shape) is malformed, and so is an oversized header', () => {
    const v1AsV2 = Buffer.from(JSON.stringify({ x402Version: 1, scheme: 'exact' })).toString('base64')
    expect(decodePayment({ version: 2, header: v1AsV2 }, 16_384)).toMatchObject({
      ok: false,
      kind: 'malformed',
    })
    expect(decodePayment({ version: 2, header: 'A'.repeat(20) }, 10)).toMatchObject({
      ok: false,
      reason: 'payment_header_too_large',
    })
  })

  it('an MCP payment object has the cap of the header that would carry it, byte for byte', () => {
    const payment = v2(usdc)
    const header = Buffer.from(JSON.stringify(payment)).toString('base64')
    expect(headerSizeOf(payment)).toBe(header.length)
    expect(decodePayment({ version: 2, object: payment }, header.length)).toMatchObject({ ok: true })
    expect(decodePayment({ version: 2, header }, header.length - 1)).toMatchObject({
      reason: 'payment_header_too_large',
    })
    expect(decodePayment({ version: 2, object: payment }, header.length - 1)).toMatchObject({
      ok: false,
      kind: 'malformed',
      reason: 'payment_header_too_large',
      message: `x402/payment is ${header.length} bytes as a payment header; the limit is ${header.length - 1}`,
    })
    // Multi-byte characters count as the bytes they take.
    const accented = { ...payment, resource: { url: 'mcp://tool/x', description: 'é'.repeat(30) } }
    expect(headerSizeOf(accented)).toBe(Buffer.from(JSON.stringify(accented)).toString('base64').length)
  })
})
