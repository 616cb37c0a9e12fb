/**
 * The recording side of the service's metrics, as a narrow port: the payment core, the reconciler and the chain
 * layer call these and know nothing of Prometheus. `src/ops/metrics.ts` implements them with prom-client;
 * `noopMetrics` stands in wherever nothing is exported. Labels are bounded by construction: routes are endpoint
 * patterns, assets are token symbols, reasons are our reason codes. Never a payer address, a URL or a tx hash.
 */

/** How a paid request ended for the payer. */
export const PAYMENT_OUTCOMES = [
  'settled',
  'released',
  'refused',
  'pending',
  'failed',
  'served',
  'unpaid',
] as const
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number]

export const SETTLE_OUTCOMES = ['settled', 'pending', 'failed'] as const
export type SettleOutcome = (typeof SETTLE_OUTCOMES)[number]

export interface ReconcileRunCounts {
  checked: number
  settled: number
  failed: number
  unresolved: number
  errors: number
}

export interface PaymentMetrics {
  /** A 402 carrying payment requirements went out. `reason`: `payment_required` or the refusal's reason code. */
  recordChallenge(event: { route: string; reason: string }): void
  /**
   * Once per paid request that reached a decision. `outcome`: settled (charged), released (reserved, then not
   * charged: handler ≥ 400, verification unavailable), refused (verification or spend limit said no), pending
   * (broadcast, unconfirmed), failed (settlement failed), served (optimistic: served, settling in the background),
   * unpaid (an optimistic settlement that failed after serving). `reason` for everything but settled and served.
   */
  recordPaymentOutcome(event: { outcome: PaymentOutcome; asset: string; reason?: string }): void
  /** Verification time (signature, balance, nonce, simulation), whatever its verdict. */
  observeVerifySeconds(event: { asset: string; seconds: number }): void
  /** Time in the endpoint handler of a verified payment. */
  observeHandlerSeconds(event: { route: string; seconds: number }): void
  /** Time from settlement start to its outcome (sign, broadcast, receipt, Transfer check). */
  observeSettleSeconds(event: { asset: string; outcome: SettleOutcome; seconds: number }): void
  /** After each reconciler pass, with its summary. */
  recordReconcileRun(counts: ReconcileRunCounts): void
  /** A reconciler pass that could not run at all (e.g. the ledger query threw). */
  recordReconcileError(): void
  /** A JSON-RPC call that failed at the transport or node (not a contract revert the caller expected). */
  recordRpcError(event: { call: string }): void
  /** Each check of the RPC's chain id: `mismatch` stops verification and settlement until it matches again. */
  recordChainIdCheck(event: { result: 'match' | 'mismatch' | 'error' }): void
}

/** What the HTTP door records of every request (ops/metrics.ts exports it at /metrics). */
export interface HttpMetrics {
  /** `route`: the route pattern that answered, never the raw URL. */
  observeHttpRequest(event: { method: string; route: string; status: number; seconds: number }): void
}

const ignore = () => {}

/** Records nothing: for code paths and tests that export no metrics. */
export const noopMetrics: PaymentMetrics = {
  recordChallenge: ignore,
  recordPaymentOutcome: ignore,
  observeVerifySeconds: ignore,
  observeHandlerSeconds: ignore,
  observeSettleSeconds: ignore,
  recordReconcileRun: ignore,
  recordReconcileError: ignore,
  recordRpcError: ignore,
  recordChainIdCheck: ignore,
}
