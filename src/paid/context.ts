import type { Address } from 'viem'
import type { NetworkConfig } from '../config/networks'
import type { Logger } from '../lib/logger'
import type { ExposureLimiter } from '../payments/exposure'
import type { IdempotencyStore } from '../payments/idempotency'
import type { Ledger } from '../payments/ledger'
import type { SpendLimiter } from '../payments/spend-limits'
import type { TmaiQuoteBook } from '../pricing/tmai-offers'
import type { Facilitator } from '../x402/facilitator'
import type { ChallengeCache } from './challenges'
import type { LedgerOutbox } from './ledger-outbox'
import type { RouteOffers } from './route-offers'

/** What happened, for metrics (no payer addresses: those stay in the ledger and logs). */
export type PaidEvent =
  | { type: 'challenge'; route: string }
  /** `asset` once the payment was bound to an offer; `challenged` when a fresh 402 went with the refusal. */
  | { type: 'refused'; route: string; reason: string; asset?: string; challenged: boolean }
  | {
      type: 'verification'
      route: string
      asset: string
      ms: number
      verdict: 'ok' | 'refused' | 'unavailable'
    }
  | {
      type: 'settled'
      route: string
      asset: string
      amountAtomic: bigint
      usdMicros: bigint
      handlerMs: number
      settleMs: number
    }
  | { type: 'released'; route: string; asset: string; reason: string; handlerMs: number }
  | { type: 'pending'; route: string; asset: string; settleMs: number }
  | { type: 'failed'; route: string; asset: string; reason: string; settleMs: number; challenged: boolean }
  | { type: 'ledger_write_deferred'; route: string }
  /** Optimistic settlement: served before settling; `unpaid` when the background settlement then failed. */
  | { type: 'served_optimistic'; route: string; asset: string }
  | { type: 'unpaid'; route: string; asset: string; reason: string }

export interface PaidCoreDeps {
  network: NetworkConfig
  payTo: Address
  maxTimeoutSeconds: number
  maxPaymentHeaderBytes: number
  /** Verification gives up after this long in total (fail closed, fast). */
  verifyTimeoutMs: number
  ledger: Ledger
  limiter: SpendLimiter
  idempotency: IdempotencyStore
  facilitator: Facilitator
  tmai?: TmaiQuoteBook
  /** Caps on unsettled USD served by optimistic routes (required for a route with `settle: 'optimistic'`). */
  exposure?: ExposureLimiter
  logger: Logger
  observe?: (event: PaidEvent) => void
}

/**
 * What the stages of the core share, built once by `createPaidRequestCore` and handed to each stage as its first
 * argument: the stages themselves hold no state.
 */
export interface CoreContext {
  readonly deps: PaidCoreDeps
  readonly observe: (event: PaidEvent) => void
  /** Ledger writes that failed, kept to be retried. */
  readonly outbox: LedgerOutbox
  /** Optimistic settlements still running in the background (`idle()` waits for them: shutdown, tests). */
  readonly background: Set<Promise<void>>
  readonly offers: RouteOffers
  readonly challenges: ChallengeCache
}
