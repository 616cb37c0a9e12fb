import type { StoredResponse } from '../payments/idempotency'
import type { SettleMode, Transport } from '../payments/ledger'
import type { SpendHold } from '../payments/spend-limits'
import type { PaymentAttempt } from '../x402/attempt'
import type { IncomingPayment } from '../x402/match'
import type { Offer } from '../x402/offers'
import type { PaymentRequiredV1, PaymentRequiredV2 } from '../x402/schemas'
import type { SettlementDelivery } from '../x402/settlement'

/** What the core needs to know of a paid endpoint (the catalog's declaration, reduced to plain data). */
export interface PricedRoute {
  /** The route pattern (`/v1/daily-ohlcv`): what quotes, spend limits and the ledger are keyed on. */
  path: string
  /** USD list price, a decimal string. */
  usdPrice: string
  description: string
  mimeType: string
  /** x402 v1 discovery block (`outputSchema` of each v1 requirement). */
  outputSchema: Record<string, unknown>
  /** x402 v2 `extensions` every challenge carries (e.g. Bazaar discovery). */
  extensions?: Record<string, unknown>
  /**
   * When the paid body leaves: `before-response` (default) after the Transfer is on chain; `optimistic` right after
   * verification, settling in the background within the exposure caps.
   */
  settle?: SettleMode
}

/** Whether the request's own parameters are valid (checked by the door; bad ones cost nothing). */
export type InputCheck = { ok: true } | { ok: false; parameter: string; message: string }

/** One request to a paid route, as plain data: what any door (HTTP, MCP) hands the core. */
export interface PaidRequestInput {
  route: PricedRoute
  transport: Transport
  /** Absolute URL of the resource, as x402's `resource` shows it. */
  resourceUrl: string
  payment?: IncomingPayment
  /** `x-payment-token`: narrow or reorder the offers. */
  tokenPreference?: 'usdc' | 'tmai'
  /** `Idempotency-Key` (the v2 `payment-identifier` extension is read from the payment itself). */
  idempotencyKey?: string
  input: InputCheck
  /** What the payment buys: method, path and raw query (order-insensitive), and the body for idempotency. */
  request: { method: string; path: string; query: string; body: string }
}

/** Why an offer is missing (no fresh TMAI price, say): v2 `extensions[key].info` and a v1 body `notices` entry. */
export interface Notice {
  key: string
  info: Record<string, unknown>
}

/** A 402: the same offers for both protocol versions. */
export interface Challenge {
  offers: readonly Offer[]
  v1: PaymentRequiredV1
  v2: PaymentRequiredV2
  notice?: Notice
  /**
   * The same object for every challenge that differs from this one only in its resource URL (renderers may cache
   * their output per template and splice the URL in).
   */
  template?: ChallengeTemplate
}

/** A challenge with its resource URL left as `urlSlot`. */
export interface ChallengeTemplate {
  readonly urlSlot: string
  readonly offers: readonly Offer[]
  readonly notice?: Notice
  readonly v1: PaymentRequiredV1
  readonly v2: PaymentRequiredV2
}

/**
 * What kind of refusal, for the door to render (HTTP status, MCP error): the payer's mistake (`invalid_request`), a
 * payment that does not pay (`payment`, with a fresh challenge), a one-time approval missing (`approval_required`),
 * another request holding the payment or key (`conflict`), or us failing closed (`unavailable`, retry later).
 */
export type RefusalKind = 'invalid_request' | 'payment' | 'approval_required' | 'conflict' | 'unavailable'

export interface Refusal {
  kind: RefusalKind
  /** Machine-readable: an x402 reason code, or ours. */
  reason: string
  message: string
  /** Extra machine-readable fields (`parameter`, spend-limit figures, `transaction`, …). */
  details?: Record<string, unknown>
  retryAfterSeconds?: number
  /** `payment` and `approval_required` refusals come with a fresh challenge. */
  challenge?: Challenge
  /** A settlement that failed is reported in the settlement header too. */
  settlement?: SettlementDelivery
}

/** A payment broadcast but not confirmed: the payer must not pay again; the reconciler decides. */
export interface Pending {
  paymentId: string
  transaction: string | null
  message: string
  settlement?: SettlementDelivery
}

/** Which payment a served request carries (for logs and handlers). */
export interface PaymentSummary {
  id: string
  payer: string
  asset: string
  amount: string
}

/** Permission to run the handler; hand it back to `complete` with the handler's result, whatever happened. */
export interface ServeHandle {
  readonly payment: PaymentSummary
  /** @internal the core's own bookkeeping */
  readonly state: ServeState
}

/** @internal */
export interface ServeState {
  mode: 'settle' | 'redeem'
  attempt: PaymentAttempt
  route: PricedRoute
  challengeFor(reason: string): Challenge
  /** Spend-limit holds taken for this payment (none when redeeming). */
  holds: SpendHold[]
  txHash?: `0x${string}`
  idempotencyKey?: string
  verifyMs: number
  servedAt: number
  /** Optimistic settlement: the exposure this payment holds until it is collected. */
  optimistic?: boolean
}

export type BeginOutcome =
  | { kind: 'challenge'; challenge: Challenge; message: string }
  | { kind: 'refusal'; refusal: Refusal }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'pending'; pending: Pending }
  | { kind: 'serve'; handle: ServeHandle }

/** The handler's answer, buffered: a paid body never leaves before settlement. */
export interface HandlerResult {
  status: number
  body: string
  contentType: string
}

export type CompleteOutcome =
  /** Deliver the handler's body with this settlement. */
  | { kind: 'settled'; settlement: SettlementDelivery; paymentId: string }
  /**
   * Optimistic settlement: deliver the handler's body now; the settlement (its transaction, once signed, in
   * `settlement`) completes in the background.
   */
  | { kind: 'served'; settlement: SettlementDelivery; paymentId: string }
  /** Not charged: deliver the handler's own (error) answer. */
  | { kind: 'released'; reason: string }
  /** Settled earlier, but this redeeming request's handler failed: deliver its answer; the payment stays redeemable. */
  | { kind: 'undelivered' }
  | { kind: 'pending'; pending: Pending }
  /** Not served: settlement failed or could not run. */
  | { kind: 'failed'; refusal: Refusal }
