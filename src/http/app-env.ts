import type { Address, PublicClient } from 'viem'
import type { RateLimitPort } from '../admin/rate-limit'
import type { Config } from '../config/env'
import type { NetworkConfig } from '../config/networks'
import type { Db } from '../db/client'
import type { Logger } from '../lib/logger'
import type { MarketStore } from '../market-data/store'
import type { PaidRequestCore } from '../paid/core'
import type { PaymentSummary } from '../paid/types'
import type { ExposureLimiter } from '../payments/exposure'
import type { IdempotencyStore } from '../payments/idempotency'
import type { Ledger } from '../payments/ledger'
import type { SpendLimiter } from '../payments/spend-limits'
import type { TmaiQuoteBook } from '../pricing/tmai-offers'
import type { Facilitator } from '../x402/facilitator'

/** Every long-lived service the app is built from (composed once per process by services.ts). */
export interface Services {
  config: Config
  db: Db
  /** Read access to the chain (verification of payer-signed policies, smart wallets included). */
  client: PublicClient
  network: NetworkConfig
  payTo: Address
  market: MarketStore
  ledger: Ledger
  facilitator: Facilitator
  /** TMAI quotes (absent: TMAI is not offered). */
  tmai?: TmaiQuoteBook
  limiter: SpendLimiter
  idempotency: IdempotencyStore
  /** Caps on unsettled USD served by optimistic routes. */
  exposure?: ExposureLimiter
  /** The paid-request flow every door (HTTP, MCP) goes through. */
  paid: PaidRequestCore
  logger: Logger
  /** Where /admin counts its clients' requests (absent: this process's memory). */
  adminAccess?: AdminAccess
}

/** Set by an entry whose memory differs from one Node process (Workers: the rate-limit buckets live in a DO). */
export interface AdminAccess {
  createRateLimiter?: (scope: 'ip' | 'key', perMinute: number) => RateLimitPort
}

/** Per-request values the glue sets for handlers and logs. */
export type AppVariables = {
  requestId: string
  /** Set once a payment is verified. */
  payment?: PaymentSummary
  /** Input parsed by the payment gate, so the handler does not parse twice. */
  parsedInput?: unknown
}

export type AppEnv = { Variables: AppVariables }
