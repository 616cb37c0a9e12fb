import type { Address } from 'viem'
import type { Offer } from './offers'
import type {
  ExactEip3009Payload,
  ExactPermit2Payload,
  PaymentPayloadV1,
  PaymentPayloadV2,
  PaymentRequirementsV1,
  PaymentRequirementsV2,
} from './schemas'

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

/** The attempt type of one transfer method. */
export type AttemptOf<M extends PaymentAttempt['method']> = Extract<PaymentAttempt, { method: M }>

/** What the ledger reserves for a payment: who pays, the on-chain replay key, and when it expires (unix seconds). */
export interface AuthorizationKey {
  payer: Address
  nonce: string
  validBefore: number
}
