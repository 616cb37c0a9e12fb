import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Db } from '../db/client'
import { countPaymentsByState, sumPaymentsByAsset } from '../db/queries/ops'
import { PAYMENT_STATES } from '../db/schema'
import { messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'
import type { HttpMetrics, PaymentMetrics, ReconcileRunCounts } from '../lib/metrics'
import { marketDataFreshness } from '../market-data/freshness'
import { SettledRevenueTotals } from './revenue-totals'

/**
 * Every metric the service exports, in one place. Counters and histograms are recorded as things happen (the
 * `PaymentMetrics` port plus HTTP requests); what the ledger and the market store already know (payments by state,
 * revenue, unsettled exposure, data age) is read from the database at scrape time, so it survives restarts and
 * agrees with /admin.
 *
 * Prometheus samples are float64: token amounts past 2^53 atomic units (any TMAI sum above ~0.009 TMAI) are
 * approximate here. /admin/revenue has the exact integer strings.
 */
export interface OpsMetrics extends PaymentMetrics, HttpMetrics {
  /** The text exposition, with the database-derived metrics computed now. */
  scrape(): Promise<{ contentType: string; body: string }>
}

export interface PrometheusMetricsDeps {
  db: Db
  logger?: Logger
  now?: () => number
}

/** The metric names, for docs and tests. */
export const METRIC_NAMES = {
  httpRequests: 'x402_http_requests_total',
  httpDuration: 'x402_http_request_duration_seconds',
  challenges: 'x402_payment_challenges_total',
  payments: 'x402_payments_total',
  verifyDuration: 'x402_payment_verify_duration_seconds',
  handlerDuration: 'x402_payment_handler_duration_seconds',
  settleDuration: 'x402_payment_settle_duration_seconds',
  revenueAtomic: 'x402_revenue_atomic_total',
  revenueUsdMicros: 'x402_revenue_usd_micros_total',
  discountUsdMicros: 'x402_discount_usd_micros_total',
  ledgerPayments: 'x402_ledger_payments',
  unsettledAtomic: 'x402_unsettled_exposure_atomic',
  unsettledUsdMicros: 'x402_unsettled_exposure_usd_micros',
  reconcilerRuns: 'x402_reconciler_runs_total',
  reconcilerResolutions: 'x402_reconciler_resolutions_total',
  rpcErrors: 'x402_rpc_errors_total',
  chainIdChecks: 'x402_chain_id_checks_total',
  chainIdMismatch: 'x402_chain_id_mismatch',
  marketDataAge: 'x402_market_data_age_seconds',
  collectErrors: 'x402_metrics_collect_errors_total',
} as const

// Label guards: anything unexpected becomes `other`, so no caller can blow up the series count.
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'])
const bounded = (pattern: RegExp) => (value: string | undefined) =>
  value !== undefined && pattern.test(value) ? value : 'other'
const routeLabel = bounded(/^(\/[A-Za-z0-9_:*.{}+-]*){1,12}$|^unmatched$/)
const reasonLabel = bounded(/^[a-z0-9_]{1,64}$/)
const assetLabel = bounded(/^[A-Za-z0-9]{1,16}$/)
const callLabel = bounded(/^[a-z0-9]{1,16}_[A-Za-z0-9]{1,48}$/)
const methodLabel = (method: string) => (METHODS.has(method) ? method : 'other')

/**
 * Label children kept per series, so the labels of a hot series are validated and hashed once, not on every request
 * (about 10 µs, a tenth of a 402's budget). Only for metrics that are never reset; bounded like the label values.
 */
const MAX_CACHED_SERIES = 1_024
function seriesCache<Child>() {
  const children = new Map<string, Child>()
  return (key: string, make: () => Child): Child => {
    let child = children.get(key)
    if (!child) {
      child = make()
      if (children.size < MAX_CACHED_SERIES) children.set(key, child)
    }
    return child
  }
}

const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const SETTLE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]

/** The prom-client implementation. The registry is exposed so the Node entry can add process metrics to it. */
export function createPrometheusMetrics(deps: PrometheusMetricsDeps): OpsMetrics & { registry: Registry } {
  const registry = new Registry()
  const registers = [registry]
  const now = deps.now ?? Date.now
  const revenue = new SettledRevenueTotals(deps.db, now)

  const httpRequests = new Counter({
    name: METRIC_NAMES.httpRequests,
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  })
  const httpDuration = new Histogram({
    name: METRIC_NAMES.httpDuration,
    help: 'HTTP request duration in seconds, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: FAST,
    registers,
  })
  const challenges = new Counter({
    name: METRIC_NAMES.challenges,
    help: '402 responses carrying payment requirements, by route and reason (payment_required or the refusal).',
    labelNames: ['route', 'reason'] as const,
    registers,
  })
  const httpSeries = seriesCache<{ requests: { inc(): void }; duration: { observe(v: number): void } }>()
  const challengeSeries = seriesCache<{ inc(): void }>()
  const paymentOutcomes = new Counter({
    name: METRIC_NAMES.payments,
    help: 'Paid requests by outcome (settled, released, refused, pending, failed; optimistic: served, unpaid), asset and reason.',
    labelNames: ['outcome', 'asset', 'reason'] as const,
    registers,
  })
  const verifyDuration = new Histogram({
    name: METRIC_NAMES.verifyDuration,
    help: 'Payment verification time in seconds, by asset.',
    labelNames: ['asset'] as const,
    buckets: FAST,
    registers,
  })
  const handlerDuration = new Histogram({
    name: METRIC_NAMES.handlerDuration,
    help: 'Endpoint handler time of paid requests in seconds, by route.',
    labelNames: ['route'] as const,
    buckets: FAST,
    registers,
  })
  const settleDuration = new Histogram({
    name: METRIC_NAMES.settleDuration,
    help: 'Settlement time in seconds (sign, broadcast, receipt, Transfer check), by asset and outcome.',
    labelNames: ['asset', 'outcome'] as const,
    buckets: SETTLE,
    registers,
  })
  const revenueAtomic = new Counter({
    name: METRIC_NAMES.revenueAtomic,
    help: 'Settled revenue in token atomic units, from the ledger (float64: approximate past 2^53; exact in /admin/revenue).',
    labelNames: ['network', 'asset'] as const,
    registers,
  })
  const revenueUsd = new Counter({
    name: METRIC_NAMES.revenueUsdMicros,
    help: 'Settled revenue in USD micro-dollars (value after discounts), from the ledger.',
    labelNames: ['asset'] as const,
    registers,
  })
  const discountUsd = new Counter({
    name: METRIC_NAMES.discountUsdMicros,
    help: 'Discount given on settled payments (list price minus value) in USD micro-dollars, from the ledger.',
    labelNames: ['asset'] as const,
    registers,
  })
  const ledgerPayments = new Gauge({
    name: METRIC_NAMES.ledgerPayments,
    help: 'Ledger rows by state.',
    labelNames: ['state'] as const,
    registers,
  })
  const unsettledAtomic = new Gauge({
    name: METRIC_NAMES.unsettledAtomic,
    help: 'Served or broadcast but not yet confirmed (settling + pending rows), in token atomic units.',
    labelNames: ['network', 'asset'] as const,
    registers,
  })
  const unsettledUsd = new Gauge({
    name: METRIC_NAMES.unsettledUsdMicros,
    help: 'Unsettled exposure (settling + pending rows) in USD micro-dollars.',
    labelNames: ['asset'] as const,
    registers,
  })
  const reconcilerRuns = new Counter({
    name: METRIC_NAMES.reconcilerRuns,
    help: 'Reconciler passes, by result (ok, error).',
    labelNames: ['result'] as const,
    registers,
  })
  const reconcilerResolutions = new Counter({
    name: METRIC_NAMES.reconcilerResolutions,
    help: 'Rows the reconciler looked at, by outcome (settled, failed, unresolved, error).',
    labelNames: ['outcome'] as const,
    registers,
  })
  const chainIdChecks = new Counter({
    name: METRIC_NAMES.chainIdChecks,
    help: "Checks of the RPC's chain id, by result (match, mismatch, error).",
    labelNames: ['result'] as const,
    registers,
  })
  const chainIdMismatch = new Gauge({
    name: METRIC_NAMES.chainIdMismatch,
    help: "1 while the RPC answers another chain's id (verification and settlement stopped), else 0.",
    registers,
  })
  const rpcErrors = new Counter({
    name: METRIC_NAMES.rpcErrors,
    help: 'Failed JSON-RPC calls, by method.',
    labelNames: ['call'] as const,
    registers,
  })
  const marketDataAge = new Gauge({
    name: METRIC_NAMES.marketDataAge,
    help: 'Seconds since the newest stored candle of each interval closed (0 while it is open).',
    labelNames: ['interval'] as const,
    registers,
  })
  const collectErrors = new Counter({
    name: METRIC_NAMES.collectErrors,
    help: 'Scrapes whose database-derived metrics could not be read (the previous values are kept).',
    registers,
  })
  for (const result of ['ok', 'error']) reconcilerRuns.inc({ result }, 0)

  /** Reads the ledger and the market store into the scrape-time metrics. */
  async function collectFromDatabase(): Promise<void> {
    const [byState, unsettled, totals, freshness] = await Promise.all([
      countPaymentsByState(deps.db),
      sumPaymentsByAsset(deps.db, { states: ['settling', 'pending'] }),
      revenue.totals(),
      marketDataFreshness(deps.db, now()),
    ])
    ledgerPayments.reset()
    // Every state, zeros included, so series do not come and go.
    for (const state of PAYMENT_STATES) ledgerPayments.set({ state }, 0)
    for (const row of byState) ledgerPayments.set({ state: row.state }, row.payments)

    revenueAtomic.reset()
    revenueUsd.reset()
    discountUsd.reset()
    for (const total of totals) {
      const asset = assetLabel(total.assetSymbol)
      revenueAtomic.inc({ network: total.network, asset }, Number(total.atomic))
      revenueUsd.inc({ asset }, Number(total.usdValueMicros))
      discountUsd.inc({ asset }, Number(total.usdListMicros - total.usdValueMicros))
    }

    unsettledAtomic.reset()
    unsettledUsd.reset()
    for (const total of unsettled) {
      const asset = assetLabel(total.assetSymbol)
      unsettledAtomic.set({ network: total.network, asset }, Number(total.atomic))
      unsettledUsd.inc({ asset }, Number(total.usdValueMicros))
    }

    marketDataAge.reset()
    for (const interval of freshness) {
      if (interval.ageSeconds !== null)
        marketDataAge.set({ interval: interval.interval }, interval.ageSeconds)
    }
  }

  return {
    registry,
    observeHttpRequest({ method, route, status, seconds }) {
      const series = httpSeries(`${method} ${route} ${status}`, () => {
        const labels = { method: methodLabel(method), route: routeLabel(route) }
        return {
          requests: httpRequests.labels({ ...labels, status: String(status) }),
          duration: httpDuration.labels(labels),
        }
      })
      series.requests.inc()
      series.duration.observe(seconds)
    },
    recordChallenge({ route, reason }) {
      challengeSeries(`${route} ${reason}`, () =>
        challenges.labels({ route: routeLabel(route), reason: reasonLabel(reason) }),
      ).inc()
    },
    recordPaymentOutcome({ outcome, asset, reason }) {
      paymentOutcomes.inc({
        outcome,
        asset: assetLabel(asset),
        reason: outcome === 'settled' ? '' : reasonLabel(reason),
      })
    },
    observeVerifySeconds({ asset, seconds }) {
      verifyDuration.observe({ asset: assetLabel(asset) }, seconds)
    },
    observeHandlerSeconds({ route, seconds }) {
      handlerDuration.observe({ route: routeLabel(route) }, seconds)
    },
    observeSettleSeconds({ asset, outcome, seconds }) {
      settleDuration.observe({ asset: assetLabel(asset), outcome }, seconds)
    },
    recordReconcileRun(counts: ReconcileRunCounts) {
      reconcilerRuns.inc({ result: 'ok' })
      for (const outcome of ['settled', 'failed', 'unresolved'] as const) {
        if (counts[outcome] > 0) reconcilerResolutions.inc({ outcome }, counts[outcome])
      }
      if (counts.errors > 0) reconcilerResolutions.inc({ outcome: 'error' }, counts.errors)
    },
    recordReconcileError() {
      reconcilerRuns.inc({ result: 'error' })
    },
    recordRpcError({ call }) {
      rpcErrors.inc({ call: callLabel(call) })
    },
    recordChainIdCheck({ result }) {
      chainIdChecks.inc({ result })
      if (result !== 'error') chainIdMismatch.set(result === 'mismatch' ? 1 : 0)
    },
    async scrape() {
      try {
        await collectFromDatabase()
      } catch (error) {
        collectErrors.inc()
        deps.logger?.warn('metrics: database-derived metrics not refreshed', {
          error: messageOf(error),
        })
      }
      return { contentType: registry.contentType, body: await registry.metrics() }
    },
  }
}
