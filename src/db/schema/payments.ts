import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/**
 * Ledger states:
 *   reserved -> verified -> settling -> settled | failed
 *   reserved | verified -> released   (verification failed or the handler answered >= 400: no charge)
 *   settling -> pending               (broadcast, outcome unknown: resolved by the reconciler)
 *   settling | pending -> unpaid      (optimistic mode: served, then the settlement failed; the payer is refused
 *                                      until the reconciler collects it: unpaid -> settled)
 */
export const PAYMENT_STATES = [
  'reserved',
  'verified',
  'settling',
  'pending',
  'settled',
  'failed',
  'released',
  'unpaid',
] as const
export type PaymentState = (typeof PAYMENT_STATES)[number]

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    network: text('network').notNull(),
    asset: text('asset').notNull(),
    /** Lower-cased payer address. */
    payer: text('payer').notNull(),
    /** EIP-3009 bytes32 nonce (hex) or Permit2 uint256 nonce (decimal). */
    nonce: text('nonce').notNull(),
    state: text('state', { enum: PAYMENT_STATES }).notNull(),
    x402Version: integer('x402_version').notNull(),
    scheme: text('scheme').notNull(),
    method: text('method').notNull(),
    /** The door the request came through: `http` or `mcp`. */
    transport: text('transport', { enum: ['http', 'mcp'] })
      .notNull()
      .default('http'),
    route: text('route').notNull(),
    /** Method, path and sorted query: what this payment bought. */
    requestKey: text('request_key').notNull(),
    /** Atomic units as an integer string (18-decimal amounts exceed 2^63). */
    amount: text('amount').notNull(),
    assetSymbol: text('asset_symbol').notNull(),
    /** The endpoint's USD list price (decimal string). */
    usdPrice: text('usd_price').notNull(),
    /** What this payment is worth in USD after any discount (decimal string): what spend limits count. */
    usdValue: text('usd_value').notNull().default('0'),
    /** Discount applied to the list price, as a fraction ("0.1" = 10%). */
    discount: text('discount').notNull().default('0'),
    /** Token/USD rate the amount was quoted at (null for USDC, quoted 1:1). */
    rateUsd: text('rate_usd'),
    payTo: text('pay_to').notNull(),
    validBefore: integer('valid_before').notNull(),
    /** The signed payment, kept so the reconciler can resolve a pending settlement. */
    payload: text('payload').notNull(),
    txHash: text('tx_hash'),
    /** The payment's call inside a batched (Multicall3) settlement transaction; null for a transaction of its own. */
    txCallIndex: integer('tx_call_index'),
    /** `before-response` (the body waits for the Transfer) or `optimistic` (served after verification). */
    settleMode: text('settle_mode', { enum: ['before-response', 'optimistic'] })
      .notNull()
      .default('before-response'),
    failureReason: text('failure_reason'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    verifiedAt: integer('verified_at'),
    broadcastAt: integer('broadcast_at'),
    settledAt: integer('settled_at'),
    /** When the paid response left; null for a payment settled after its request gave up (redeemable once). */
    deliveredAt: integer('delivered_at'),
    /**
     * Unix seconds whose spend-limit windows this payment holds; null while it holds none. Whoever gives a payment up
     * (release, failure, the reconciler) gives these windows back exactly.
     */
    spendAt: integer('spend_at'),
    verifyMs: integer('verify_ms'),
    handlerMs: integer('handler_ms'),
    settleMs: integer('settle_ms'),
  },
  (t) => [
    uniqueIndex('payments_authorization_unique').on(t.network, t.asset, t.payer, t.nonce),
    index('payments_state_idx').on(t.state),
    index('payments_payer_idx').on(t.payer, t.createdAt),
    index('payments_created_idx').on(t.createdAt, t.id),
  ],
)

export type Payment = typeof payments.$inferSelect
export type NewPayment = typeof payments.$inferInsert
