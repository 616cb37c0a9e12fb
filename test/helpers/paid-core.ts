/**
 * The paid-request core over the real ledger, spend limiter and idempotency store on a real SQLite file, with a fake
 * facilitator (no chain) and a ledger whose writes can be made to fail: for branch-by-branch unit tests.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Hash } from 'viem'
import { NETWORKS } from '../../src/config/networks'
import { SERVER_BUSY_TIMEOUT_MS } from '../../src/db/busy'
import { openSqliteDb } from '../../src/db/client'
import { listPayments } from '../../src/db/queries/payments'
import { devnetAccount } from '../../src/devnet/accounts'
import { createLogger } from '../../src/lib/logger'
import type { PaidEvent } from '../../src/paid/context'
import { createPaidRequestCore } from '../../src/paid/core'
import { httpStatusOf } from '../../src/paid/status'
import type {
  BeginOutcome,
  CompleteOutcome,
  PaidRequestInput,
  PricedRoute,
  ServeHandle,
} from '../../src/paid/types'
import { type ExposureCaps, ExposureLimiter } from '../../src/payments/exposure'
import { IdempotencyStore } from '../../src/payments/idempotency'
import { Ledger } from '../../src/payments/ledger'
import { type SpendCaps, SpendLimiter } from '../../src/payments/spend-limits'
import { TmaiQuoteBook } from '../../src/pricing/tmai-offers'
import type { PaymentAttempt } from '../../src/x402/attempt'
import { encodeHeader } from '../../src/x402/codec'
import type {
  Facilitator,
  ResolveOutcome,
  SettleHooks,
  SettleOutcome,
  VerifyOutcome,
} from '../../src/x402/facilitator'
import type { PaymentRequirementsV2 } from '../../src/x402/schemas'

export const network = NETWORKS.devnet
export const payTo = devnetAccount(0).address
export const payer = devnetAccount(1).address
export const TX = `0x${'ab'.repeat(32)}` as Hash
export const route: PricedRoute = {
  path: '/v1/daily-ohlcv',
  usdPrice: '0.017',
  description: 'daily candles',
  mimeType: 'application/json',
  outputSchema: {},
}
export const OK_BODY = { status: 200, body: '{"success":true,"data":[1]}', contentType: 'application/json' }

/** A facilitator whose answers each test sets; it "broadcasts" only after the tx hash was recorded, as ours does. */
export class FakeFacilitator implements Facilitator {
  readonly kind = 'self' as const
  verifyCalls = 0
  settleCalls = 0
  broadcasts = 0
  verifyWith: () => Promise<VerifyOutcome> = async () => ({ ok: true })
  settleWith: (attempt: PaymentAttempt) => Promise<SettleOutcome> = async () => ({
    status: 'settled',
    txHash: TX,
  })
  resolveWith: (attempt: PaymentAttempt) => Promise<ResolveOutcome> = async () => ({ status: 'unresolved' })
  async verify() {
    this.verifyCalls++
    return this.verifyWith()
  }
  async settle(attempt: PaymentAttempt, hooks: SettleHooks) {
    this.settleCalls++
    await hooks.onTxHash(TX)
    this.broadcasts++
    return this.settleWith(attempt)
  }
  async resolve(attempt: PaymentAttempt) {
    return this.resolveWith(attempt)
  }
}

/** The real ledger, with writes that can be made to fail (a locked or full disk). */
export class FaultyLedger extends Ledger {
  failing = new Set<'markSettled' | 'recordTxHash'>()
  private fail(name: 'markSettled' | 'recordTxHash') {
    if (this.failing.has(name)) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })
  }
  override async markSettled(...args: Parameters<Ledger['markSettled']>) {
    this.fail('markSettled')
    return super.markSettled(...args)
  }
  override async recordTxHash(...args: Parameters<Ledger['recordTxHash']>) {
    this.fail('recordTxHash')
    return super.recordTxHash(...args)
  }
}

export interface HarnessOptions {
  caps?: Partial<SpendCaps>
  verifyTimeoutMs?: number
  /** Caps on unsettled optimistic USD (micros); no cap when absent. */
  exposure?: Partial<ExposureCaps>
}

/** The same route, settled optimistically (served after verification). */
export const optimisticRoute: PricedRoute = { ...route, settle: 'optimistic' }

let nonceCounter = 0

export function createPaidHarness(options: HarnessOptions = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'paid-core-'))
  const database = openSqliteDb(path.join(dir, 'core.db'), { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
  const ledger = new FaultyLedger(database.db)
  const facilitator = new FakeFacilitator()
  const events: PaidEvent[] = []
  const limiter = new SpendLimiter(database.db, {
    perCall: 1_000_000n,
    perPayerHour: 5_000_000n,
    perPayerDay: null,
    perEndpointDay: null,
    ...options.caps,
  })
  const idempotency = new IdempotencyStore(database.db, { ttlMs: 3_600_000, maxRecords: 1000 })
  const exposure = new ExposureLimiter(database.db, { perPayer: null, total: null, ...options.exposure })
  const core = createPaidRequestCore({
    network,
    payTo,
    maxTimeoutSeconds: 120,
    maxPaymentHeaderBytes: 16 * 1024,
    verifyTimeoutMs: options.verifyTimeoutMs ?? 2_000,
    ledger,
    limiter,
    idempotency,
    facilitator,
    exposure,
    tmai: new TmaiQuoteBook(
      { current: async () => ({ ok: true, usd: '0.0007', observedAt: Date.now(), source: 'fixed' }) },
      { tmai: network.tmai!, discount: '0.10' },
    ),
    logger: createLogger('silent'),
    observe: (event) => events.push(event),
  })

  function request(overrides: Partial<PaidRequestInput> = {}): PaidRequestInput {
    return {
      route,
      transport: 'http',
      resourceUrl: 'http://localhost/v1/daily-ohlcv?symbol=ETH',
      input: { ok: true },
      request: { method: 'GET', path: '/v1/daily-ohlcv', query: 'symbol=ETH', body: '' },
      ...overrides,
    }
  }

  const withPayment = (header: string, overrides: Partial<PaidRequestInput> = {}) =>
    request({ payment: { version: 2, header }, ...overrides })

  return {
    dir,
    db: database.db,
    core,
    ledger,
    facilitator,
    limiter,
    idempotency,
    exposure,
    events,
    close: () => database.close(),
    request,
    withPayment,
    /** The offers of the current challenge (USDC first, then TMAI). */
    async offers() {
      const challenge = await core.begin(request())
      if (challenge.kind !== 'challenge') throw new Error(`expected a challenge, got ${challenge.kind}`)
      return challenge.challenge.v2.accepts
    },
    /** A payment served and settled (or whatever the facilitator says), start to finish. */
    async paidOnce(header: string, overrides: Partial<PaidRequestInput> = {}) {
      return core.complete(expectServe(await core.begin(withPayment(header, overrides))), OK_BODY)
    },
    states: async () => (await listPayments(database.db)).map((p) => p.state),
    rows: () => listPayments(database.db),
    hourUsage: async () => (await limiter.usage(payer)).hourMicros,
  }
}

export type PaidHarness = ReturnType<typeof createPaidHarness>

/** A v2 EIP-3009 payment for the given accepted requirement (the fake facilitator does not check signatures). */
export function usdcPayment(
  accepted: PaymentRequirementsV2,
  overrides: Record<string, unknown> = {},
  extensions: Record<string, unknown> = {},
) {
  const now = Math.floor(Date.now() / 1000)
  nonceCounter++
  return encodeHeader({
    x402Version: 2,
    accepted,
    payload: {
      signature: `0x${'11'.repeat(65)}`,
      authorization: {
        from: payer,
        to: payTo,
        value: accepted.amount,
        validAfter: String(now - 600),
        validBefore: String(now + 100),
        nonce: `0x${nonceCounter.toString(16).padStart(64, '0')}`,
        ...overrides,
      },
    },
    ...(Object.keys(extensions).length ? { extensions } : {}),
  })
}

/** A v2 Permit2 payment for the TMAI requirement. */
export function permit2Payment(accepted: PaymentRequirementsV2) {
  const now = Math.floor(Date.now() / 1000)
  return encodeHeader({
    x402Version: 2,
    accepted,
    payload: {
      signature: `0x${'22'.repeat(65)}`,
      permit2Authorization: {
        from: payer,
        permitted: { token: accepted.asset, amount: accepted.amount },
        spender: '0x402085c248EeA27D92E8b30b2C58ed07f9E20001',
        nonce: String(1000 + nonceCounter++),
        deadline: String(now + 100),
        witness: { to: payTo, validAfter: '0' },
      },
    },
  })
}

export function expectServe(outcome: BeginOutcome): ServeHandle {
  if (outcome.kind !== 'serve') throw new Error(`expected serve, got ${JSON.stringify(outcome)}`)
  return outcome.handle
}

export function refusalOf(outcome: BeginOutcome | CompleteOutcome) {
  if (outcome.kind !== 'refusal' && outcome.kind !== 'failed')
    throw new Error(`expected a refusal, got ${outcome.kind}`)
  return { status: httpStatusOf(outcome), ...outcome.refusal }
}
