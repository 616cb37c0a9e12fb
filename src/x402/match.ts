import { isAddressEqual } from 'viem'
import type { PaymentAttempt } from './attempt'
import { decodeHeader, parseWire } from './codec'
import { type Offer, type ResourceDescription, toRequirementsV1, toRequirementsV2 } from './offers'
import { Reason } from './reasons'
import {
  PaymentPayloadV1,
  PaymentPayloadV2,
  type PaymentRequirementsV1,
  type PaymentRequirementsV2,
} from './schemas'
import { schemePayloads } from './schemes'
import { payloadReaderFor } from './schemes/scheme'

/** A payment as a transport carries it: an HTTP header (base64 JSON) or an already-parsed object (MCP `_meta`). */
export type IncomingPayment =
  | { version: 1; header: string }
  | { version: 2; header: string }
  | { version: 2; object: unknown }

export type DecodedPayment =
  | { version: 1; payload: PaymentPayloadV1 }
  | { version: 2; payload: PaymentPayloadV2 }

/**
 * Why a payment was not bound to an offer: `malformed` when it cannot even be read (the client's bug), `refused` when it
 * is readable but does not pay for this resource on our terms (a fresh challenge helps).
 */
export type MatchFailure = { ok: false; kind: 'malformed' | 'refused'; reason: Reason; message: string }
export type MatchResult<T = PaymentAttempt> = { ok: true; value: T } | MatchFailure

const malformed = (reason: Reason, message: string): MatchFailure => ({
  ok: false,
  kind: 'malformed',
  reason,
  message,
})
const refused = (reason: Reason, message: string): MatchFailure => ({
  ok: false,
  kind: 'refused',
  reason,
  message,
})

/**
 * How long `object` would be as a payment header (base64 of its JSON): an MCP payment object is held to the same cap
 * as the header carrying the same payment, so neither door stores more of a client's payload than the other.
 */
export function headerSizeOf(object: unknown): number {
  const bytes = new TextEncoder().encode(JSON.stringify(object) ?? '').length
  return 4 * Math.ceil(bytes / 3)
}

/** Decodes and shape-checks the x402 payment payload of either version; nothing here throws on client input. */
export function decodePayment(payment: IncomingPayment, maxBytes: number): MatchResult<DecodedPayment> {
  if ('object' in payment) {
    const size = headerSizeOf(payment.object)
    if (size > maxBytes) {
      return malformed(
        Reason.paymentHeaderTooLarge,
        `x402/payment is ${size} bytes as a payment header; the limit is ${maxBytes}`,
      )
    }
  }
  const decoded =
    'object' in payment
      ? parseWire(payment.object, PaymentPayloadV2, 'x402/payment')
      : payment.version === 2
        ? decodeHeader(payment.header, PaymentPayloadV2, { maxBytes, headerName: 'PAYMENT-SIGNATURE' })
        : decodeHeader(payment.header, PaymentPayloadV1, { maxBytes, headerName: 'X-PAYMENT' })
  if (!decoded.ok) return malformed(decoded.reason, decoded.message)
  return { ok: true, value: { version: payment.version, payload: decoded.value } as DecodedPayment }
}

/** Which term of the echoed v2 requirement differs from ours (our `extra` must be contained in theirs), or null. */
export function termsDiffer(ours: PaymentRequirementsV2, theirs: PaymentRequirementsV2): string | null {
  if (theirs.scheme !== ours.scheme) return 'scheme'
  if (theirs.network !== ours.network) return 'network'
  if (!isAddressEqual(theirs.asset, ours.asset)) return 'asset'
  if (theirs.amount !== ours.amount) return 'amount'
  if (!isAddressEqual(theirs.payTo, ours.payTo)) return 'payTo'
  if (theirs.maxTimeoutSeconds !== ours.maxTimeoutSeconds) return 'maxTimeoutSeconds'
  for (const [key, value] of Object.entries(ours.extra)) {
    if (theirs.extra[key] !== value) return `extra.${key}`
  }
  return null
}

/** Reads the scheme payload of the transfer method the matched offer uses, and names its payer. */
function bind(
  offer: Offer,
  { x402Version, payload, wire }: { x402Version: 1 | 2; payload: unknown; wire: PaymentAttempt['wire'] },
): MatchResult {
  const reader = payloadReaderFor(schemePayloads, offer.asset.transferMethod)
  const parsed = reader.parsePayload(payload)
  if (!parsed.ok) return malformed(parsed.reason, parsed.message)
  const { payer } = reader.authorization(parsed.value)
  return {
    ok: true,
    value: {
      x402Version,
      method: reader.method,
      offer,
      payload: parsed.value,
      payer,
      wire,
    } as PaymentAttempt,
  }
}

/**
 * v2: the client echoes the requirement it accepted; it must be one of ours (or one still honoured, e.g. an earlier
 * TMAI quote), term for term.
 */
export function matchV2(
  paymentPayload: PaymentPayloadV2,
  offers: readonly Offer[],
  honoured: (accepted: PaymentRequirementsV2) => Offer[] = () => [],
): MatchResult {
  const accepted = paymentPayload.accepted
  const candidates = [...offers, ...honoured(accepted)].map((offer) => ({
    offer,
    requirements: toRequirementsV2(offer),
  }))
  const sameAsset = candidates.filter(
    (c) =>
      c.requirements.network === accepted.network && isAddressEqual(c.requirements.asset, accepted.asset),
  )
  if (sameAsset.length === 0) {
    if (!candidates.some((c) => c.requirements.network === accepted.network)) {
      return refused(Reason.networkMismatch, `network ${accepted.network} is not offered for this resource`)
    }
    return refused(Reason.requirementsMismatch, `asset ${accepted.asset} is not offered for this resource`)
  }
  let mismatch = 'terms'
  for (const candidate of sameAsset) {
    const differs = termsDiffer(candidate.requirements, accepted)
    if (differs) {
      mismatch = differs
      continue
    }
    return bind(candidate.offer, {
      x402Version: 2,
      payload: paymentPayload.payload,
      wire: { paymentPayload, paymentRequirements: candidate.requirements },
    })
  }
  return refused(
    Reason.requirementsMismatch,
    `accepted.${mismatch} does not match this resource's payment requirements`,
  )
}

/**
 * v1: the payload names no asset (only the EIP-712 domain it was signed over), so it is bound to a v1-payable offer by
 * network, scheme and exact amount; the signature check then proves the domain.
 */
export function matchV1(
  paymentPayload: PaymentPayloadV1,
  offers: readonly Offer[],
  resource: ResourceDescription,
): MatchResult {
  if (paymentPayload.scheme !== 'exact')
    return refused(Reason.invalidScheme, `scheme ${paymentPayload.scheme} is not supported`)
  const payload = schemePayloads.eip3009.parsePayload(paymentPayload.payload)
  if (!payload.ok) return malformed(payload.reason, payload.message)
  const onNetwork = offers.filter(
    (o) => o.asset.transferMethod === 'eip3009' && o.network.v1Name === paymentPayload.network,
  )
  if (onNetwork.length === 0) {
    return refused(
      Reason.networkMismatch,
      `network ${paymentPayload.network} is not offered for this resource`,
    )
  }
  const value = payload.value.authorization.value
  const offer = onNetwork.find((o) => o.amountAtomic.toString() === value)
  if (!offer) {
    const expected = onNetwork.map((o) => `${o.amountAtomic} ${o.asset.symbol}`).join(' or ')
    return refused(
      Reason.valueMismatch,
      `authorization.value ${value} does not equal the price (${expected} atomic units)`,
    )
  }
  const paymentRequirements: PaymentRequirementsV1 = toRequirementsV1(offer, resource)
  return {
    ok: true,
    value: {
      x402Version: 1,
      method: 'eip3009',
      offer,
      payload: payload.value,
      payer: payload.value.authorization.from,
      wire: { paymentPayload, paymentRequirements },
    },
  }
}

/**
 * Binds a decoded payment of either version to one of this request's offers (`resource`: what a v1 requirement
 * describes; `honoured`: earlier offers a v2 payment may still accept).
 */
export function matchPayment(
  decoded: DecodedPayment,
  {
    offers,
    resource,
    honoured,
  }: {
    offers: readonly Offer[]
    resource: ResourceDescription
    honoured?: (accepted: PaymentRequirementsV2) => Offer[]
  },
): MatchResult {
  return decoded.version === 2
    ? matchV2(decoded.payload, offers, honoured)
    : matchV1(decoded.payload, offers, resource)
}
