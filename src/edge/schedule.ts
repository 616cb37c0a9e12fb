import { refreshMarketData } from '../market-data/ingestion'
import { abandonedAfterMs, type ReconcileSummary, reconcileOnce } from '../payments/reconciler'
import type { WorkerRuntime } from './worker-services'

/** The cron triggers of wrangler.toml (a test checks that the two agree). */
export const CRONS = {
  /** Every minute (the finest a cron trigger allows): deferred ledger writes, then the reconciler. */
  reconcile: '* * * * *',
  /** Hourly: market data from the exchange adapters, then housekeeping of idempotency records and spend counters. */
  hourly: '17 * * * *',
} as const

export interface ScheduledRun {
  cron: string
  reconcile?: ReconcileSummary
  refreshed?: boolean
}

/** What one cron event does; unknown crons (a stale wrangler.toml) run the reconciler, which is always safe. */
export async function runScheduled(runtime: WorkerRuntime, cron: string): Promise<ScheduledRun> {
  const { services, config } = runtime
  const logger = services.logger
  if (cron === CRONS.hourly) {
    if (config.marketData.refreshMinutes > 0) {
      await refreshMarketData({
        store: services.market,
        logger,
        source: config.marketData.source,
        urls: config.marketData.urls,
      })
    }
    await services.idempotency
      .prune()
      .catch((error: unknown) => logger.warn('idempotency prune failed', { error }))
    await services.limiter
      .prune()
      .catch((error: unknown) => logger.warn('spend counter prune failed', { error }))
    return { cron, refreshed: config.marketData.refreshMinutes > 0 }
  }
  await services.paid.outbox.flush()
  const reconcile = await reconcileOnce({
    ledger: services.ledger,
    facilitator: services.facilitator,
    network: services.network,
    limiter: services.limiter,
    idempotency: services.idempotency,
    logger,
    abandonedAfterMs: abandonedAfterMs(config.maxTimeoutSeconds),
    releasedRetentionMs: config.releasedRetentionMs,
  })
  logger.info('reconciled', { cron, ...reconcile })
  return { cron, reconcile }
}
