import { type Address, getAddress } from 'viem'
import { type DecodeResult, decodeHeader } from './codec'
import { type Offer, type ResourceDescription, toRequirementsV1, toRequirementsV2 } from './offers'
import { Reason } from './reasons'
import {
  ExactEip3009Payload,
  PaymentPayloadV1,
  PaymentPayloadV2,
  type PaymentRequirementsV1,
  type PaymentRequirementsV2,
} from './schemas'
import { ExactPermit2Payload } from './schemes/exact-permit2/payload'

interface AttemptBase {
  x402Version: 1 | 2
  offer: Offer
  payer: Address
  /** The wire objects, for a remote facilitator's /verify and /settle. */
  wire: {
    paymentPayload: PaymentPayloadV1 | PaymentPayloadV2
    paymentRequirements: PaymentRequirementsV1 | PaymentRequirementsV2
  }
}

/** An EIP-3009 `transferWithAuthorization` payment (USDC; v1 or v2). */
export interface Eip3009PaymentAttempt extends AttemptBase {
  method: 'eip3009'
  payload: ExactEip3009Payload
}

/** A Permit2 payment through the x402 exact Permit2 proxy (TMAI; v2 only). */
export interface Permit2PaymentAttempt extends AttemptBase {
  x402Version: 2
  method: 'permit2'
  payload: ExactPermit2Payload
}

/** A decoded payment bound to the one offer whose terms it matches. */
export type PaymentAttempt = Eip3009PaymentAttempt | Permit2PaymentAttempt

/** The on-chain replay key and expiry of a payment: what the ledger reserves. */
export function authorizationOf(attempt: PaymentAttempt): { nonce: string; validBefore: number } {
  if (attempt.method === 'eip3009') {
    const auth = attempt.payload.authorization
    return { nonce: auth.nonce.toLowerCase(), validBefore: Number(auth.validBefore) }
  }
  const permit = attempt.payload.permit2Authorization
  return { nonce: BigInt(permit.nonce).toString(), validBefore: Number(permit.deadline) }
}

export type MatchResult = DecodeResult<PaymentAttempt> & { status?: 400 | 402 }

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

function fail(reason: Reason, message: string, status: 400 | 402 = 402): MatchResult {
  return { ok: false, reason, message, status }
}

/** Every term of the echoed v2 requirement must equal ours; our `extra` must be contained in theirs. */
function termsDiffer(ours: PaymentRequirementsV2, theirs: PaymentRequirementsV2): string | null {
  if (theirs.scheme !== ours.scheme) return 'scheme'
  if (theirs.network !== ours.network) return 'network'
  if (!sameAddress(theirs.asset, ours.asset)) return 'asset'
  if (theirs.amount !== ours.amount) return 'amount'
  if (!sameAddress(theirs.payTo, ours.payTo)) return 'payTo'
  if (theirs.maxTimeoutSeconds !== ours.maxTimeoutSeconds) return 'maxTimeoutSeconds'
  for (const [key, value] of Object.entries(ours.extra)) {
    if (theirs.extra[key] !== value) return `extra.${key}`
  }
  return null
}

function parseEip3009(payload: unknown): DecodeResult<ExactEip3009Payload> {
  const parsed = ExactEip3009Payload.safeParse(payload)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]
  return {
    ok: false,
    reason: Reason.invalidPayload,
    message: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid exact EIP-3009 payload'}`,
  }
}

/** v2: `PAYMENT-SIGNATURE`. The client echoes the requirement it accepted; it must be one of ours, term for term. */
export function matchV2(
  raw: string,
  offers: Offer[],
  maxBytes: number,
  /** Offers still honoured for this payment though no longer current (e.g. an earlier TMAI quote). */
  honoured: (accepted: PaymentRequirementsV2) => Offer[] = () => [],
): MatchResult {
  const decoded = decodeHeader(raw, PaymentPayloadV2, { maxBytes, headerName: 'PAYMENT-SIGNATURE' })
  if (!decoded.ok) return { ...decoded, status: 400 }
  const paymentPayload = decoded.value
  const accepted = paymentPayload.accepted
  const candidates = [...offers, ...honoured(accepted)].map((offer) => ({
    offer,
    requirements: toRequirementsV2(offer),
  }))
  const sameAsset = candidates.filter(
    (c) => c.requirements.network === accepted.network && sameAddress(c.requirements.asset, accepted.asset),
  )
  if (sameAsset.length === 0) {
    if (!candidates.some((c) => c.requirements.network === accepted.network)) {
      return fail(Reason.networkMismatch, `network ${accepted.network} is not offered for this resource`)
    }
    return fail(Reason.requirementsMismatch, `asset ${accepted.asset} is not offered for this resource`)
  }
  let mismatch = 'terms'
  for (const candidate of sameAsset) {
    const differs = termsDiffer(candidate.requirements, accepted)
    if (differs) {
      mismatch = differs
      continue
    }
    const wire = { paymentPayload, paymentRequirements: candidate.requirements }
    if (candidate.offer.asset.transferMethod === 'permit2') {
      const parsed = ExactPermit2Payload.safeParse(paymentPayload.payload)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        return fail(
          Reason.invalidPayload,
          `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
          400,
        )
      }
      return {
        ok: true,
        value: {
          x402Version: 2,
          method: 'permit2',
          offer: candidate.offer,
          payload: parsed.data,
          payer: getAddress(parsed.data.permit2Authorization.from.toLowerCase()),
          wire,
        },
      }
    }
    const payload = parseEip3009(paymentPayload.payload)
    if (!payload.ok) return { ...payload, status: 400 }
    return {
      ok: true,
      value: {
        x402Version: 2,
        method: 'eip3009',
        offer: candidate.offer,
        payload: payload.value,
        payer: getAddress(payload.value.authorization.from.toLowerCase()),
        wire,
      },
    }
  }
  return fail(
    Reason.requirementsMismatch,
    `accepted.${mismatch} does not match this resource's payment requirements`,
  )
}

/**
 * v1: `X-PAYMENT`. The payload names no asset (only the EIP-712 domain it was signed over), so it is bound to a
 * v1-payable offer by network, scheme and exact amount; the signature check then proves the domain.
 */
export function matchV1(
  raw: string,
  offers: Offer[],
  resource: ResourceDescription,
  maxBytes: number,
): MatchResult {
  const decoded = decodeHeader(raw, PaymentPayloadV1, { maxBytes, headerName: 'X-PAYMENT' })
  if (!decoded.ok) return { ...decoded, status: 400 }
  const paymentPayload = decoded.value
  if (paymentPayload.scheme !== 'exact')
    return fail(Reason.invalidScheme, `scheme ${paymentPayload.scheme} is not supported`)
  const payload = parseEip3009(paymentPayload.payload)
  if (!payload.ok) return { ...payload, status: 400 }
  const onNetwork = offers.filter(
    (o) => o.asset.transferMethod === 'eip3009' && o.network.v1Name === paymentPayload.network,
  )
  if (onNetwork.length === 0) {
    return fail(Reason.networkMismatch, `network ${paymentPayload.network} is not offered for this resource`)
  }
  const value = payload.value.authorization.value
  const offer = onNetwork.find((o) => o.amountAtomic.toString() === value)
  if (!offer) {
    const expected = onNetwork.map((o) => `${o.amountAtomic} ${o.asset.symbol}`).join(' or ')
    return fail(
      Reason.valueMismatch,
      `authorization.value ${value} does not equal the price (${expected} atomic units)`,
    )
  }
  return {
    ok: true,
    value: {
      x402Version: 1,
      method: 'eip3009',
      offer,
      payload: payload.value,
      payer: getAddress(payload.value.authorization.from.toLowerCase()),
      wire: { paymentPayload, paymentRequirements: toRequirementsV1(offer, resource) },
    },
  }
}
