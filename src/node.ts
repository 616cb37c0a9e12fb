import { serve } from '@hono/node-server'
import { createPublicClient, http } from 'viem'
import { createApp } from './app'
import { AssetRegistryMismatchError, checkAssetRegistry } from './chain/check-assets'
import type { Config } from './config/env'
import { describeConfig } from './config/env'
import { NETWORKS } from './config/networks'
import { SERVER_BUSY_TIMEOUT_MS } from './db/busy'
import { openSqliteDb } from './db/client'
import { devnetAccount, devnetPrivateKey } from './devnet/accounts'
import { type AnvilInstance, startAnvil } from './devnet/anvil'
import { setupDevnet } from './devnet/setup'
import { batchedSink, createLogger } from './lib/logger'
import { firstRunIngest, startMarketDataScheduler } from './market-data/ingestion'
import { loadInitialCsv } from './market-data/initial-csv'
import { abandonedAfterMs, startReconciler } from './payments/reconciler'
import { createServices } from './services'

export interface RunningNode {
  url: string
  rpcUrl: string
  stop(): Promise<void>
}

/**
 * The Node entry: config → (devnet) → SQLite → services → initial data → reconciler → HTTP server.
 * Returns a handle whose `stop()` closes everything it started, anvil included.
 */
export async function startNode(config: Config): Promise<RunningNode> {
  const startedAt = Date.now()
  // One stderr write per event-loop turn, not one per line; whatever is pending is written on exit.
  const sink = batchedSink((chunk) => process.stderr.write(chunk))
  process.once('exit', sink.flush)
  const logger = createLogger(config.logLevel, sink.write)
  logger.debug('config', describeConfig(config))
  let anvil: AnvilInstance | undefined
  let rpcUrl = config.rpcUrl
  if (config.network === 'devnet') {
    anvil = await startAnvil({ port: config.devnetPort })
    const setup = await setupDevnet(anvil.rpcUrl)
    rpcUrl = anvil.rpcUrl
    logger.info('devnet ready', { rpcUrl, chainId: 8453, setupMs: setup.ms })
  }
  if (!rpcUrl) throw new Error('RPC_URL is required')

  if (config.network !== 'devnet') {
    const problems = await checkAssetRegistry(
      createPublicClient({ transport: http(rpcUrl, { timeout: 10_000 }) }),
      NETWORKS[config.network],
    )
    if (problems.length > 0) throw new AssetRegistryMismatchError(problems)
    logger.info('asset registry matches the chain', { network: config.network })
  }

  const database = openSqliteDb(config.databasePath, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
  const services = createServices({
    config,
    db: database.db,
    rpcUrl,
    logger,
    devnetDefaults:
      config.network === 'devnet'
        ? { payTo: devnetAccount(0).address, settlerPrivateKey: devnetPrivateKey(0) }
        : undefined,
  })

  if (config.marketDataCsv) {
    await loadInitialCsv(services.market, {
      file: config.marketDataCsv,
      tokensFile: config.tokensCsv,
      logger,
    })
  }
  if (!(await services.market.hasData()) && config.network === 'devnet' && config.marketData.firstRunIngest) {
    await firstRunIngest({ store: services.market, logger, urls: config.marketData.urls })
  }
  if (!(await services.market.hasData())) {
    logger.warn('no market data loaded: data endpoints answer 503 market_data_unavailable', {
      hint: 'x402-analytics ingest --csv PATH, or MARKET_DATA_CSV=PATH',
    })
  }

  const stopReconciler = startReconciler(
    {
      ledger: services.ledger,
      facilitator: services.facilitator,
      network: services.network,
      limiter: services.limiter,
      idempotency: services.idempotency,
      exposure: services.exposure,
      collectUnpaid: true,
      logger,
      startedAt,
      abandonedAfterMs: abandonedAfterMs(config.maxTimeoutSeconds),
    },
    config.reconcileIntervalMs,
    [() => services.paid.outbox.flush()],
  )
  const stopScheduler =
    config.marketData.refreshMinutes > 0
      ? startMarketDataScheduler({
          store: services.market,
          logger,
          source: config.marketData.source,
          intervalMs: config.marketData.refreshMinutes * 60_000,
          urls: config.marketData.urls,
        })
      : () => {}
  // Housekeeping: bounded idempotency storage and spend counters of closed windows.
  const housekeeping = setInterval(() => {
    void services.idempotency
      .prune()
      .catch((error: unknown) => logger.warn('idempotency prune failed', { error: (error as Error).message }))
    void services.limiter
      .prune()
      .catch((error: unknown) =>
        logger.warn('spend counter prune failed', { error: (error as Error).message }),
      )
  }, 10 * 60_000)
  housekeeping.unref()
  const app = createApp(services)
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      // Payment headers can be large (smart-wallet signatures); let our own 16 KiB check answer, not Node's 431.
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        serverOptions: { maxHeaderSize: 64 * 1024 },
      },
      () => resolve(s),
    )
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const url = `http://${config.host}:${port}`
  let stopped = false
  // Start-up is complete: its lines are on stderr now, not a turn later.
  sink.flush()
  return {
    url,
    rpcUrl,
    async stop() {
      if (stopped) return
      stopped = true
      stopReconciler()
      stopScheduler()
      clearInterval(housekeeping)
      await new Promise<void>((resolve) => server.close(() => resolve()))
      // Optimistic settlements still running finish their bookkeeping before the database closes.
      await services.paid.idle()
      database.close()
      await anvil?.stop()
      sink.flush()
    },
  }
}
