import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { collectDefaultMetrics } from 'prom-client'
import { createPublicClient, http } from 'viem'
import { createApp } from './app'
import { catalog } from './catalog'
import { AssetRegistryMismatchError, checkAssetRegistry } from './chain/check-assets'
import { RPC_MAX_RESPONSE_BYTES } from './chain/rpc-limits'
import type { Config } from './config/env'
import { assertServable, describeConfig } from './config/env'
import { NETWORKS } from './config/networks'
import { SERVER_BUSY_TIMEOUT_MS } from './db/busy'
import { openSqliteDb } from './db/client'
import { devnetAccount, devnetPrivateKey } from './devnet/accounts'
import { type AnvilInstance, startAnvil } from './devnet/anvil'
import { setupDevnet } from './devnet/setup'
import { nodeSocketAddress } from './http/node-socket-address'
import { messageOf } from './lib/errors'
import { batchedSink, createLogger, defaultLogFormat } from './lib/logger'
import { firstRunIngest, startMarketDataScheduler } from './market-data/ingestion'
import { loadInitialCsv } from './market-data/initial-csv'
import { createPrometheusMetrics } from './ops/metrics'
import { loadDashboardAssets } from './ops/node/dashboard-assets'
import { createRequestScope } from './ops/node/request-scope'
import { createMetricsApp } from './ops/routes'
import { abandonedAfterMs, startReconciler } from './payments/reconciler'
import { createServices } from './services'

export interface RunningNode {
  url: string
  rpcUrl: string
  /** The METRICS_PORT listener, when configured. */
  metricsUrl: string | undefined
  /** Stops accepting, drains in-flight requests (bounded by SHUTDOWN_DRAIN_MS), then closes everything. */
  stop(): Promise<void>
}

/**
 * The Node entry: config → (devnet) → SQLite → services → initial data → reconciler → HTTP server.
 * Returns a handle whose `stop()` closes everything it started, anvil included.
 */
export async function startNode(config: Config): Promise<RunningNode> {
  assertServable(config)
  const startedAt = Date.now()
  const requestScope = createRequestScope()
  // One stderr write per event-loop turn, not one per line; whatever is pending is written on exit.
  const sink = batchedSink((chunk) => process.stderr.write(chunk))
  process.once('exit', sink.flush)
  const logger = createLogger(config.logLevel, sink.write, {
    format: config.logFormat ?? defaultLogFormat(),
    context: requestScope.current,
  })
  logger.debug('config', describeConfig(config))
  let anvil: AnvilInstance | undefined
  let rpcUrl = config.rpcUrl
  if (config.network === 'devnet') {
    anvil = await startAnvil({ port: config.devnetPort, pidFile: devnetPidFile(config.databasePath) })
    if (anvil.leftover.kind === 'stopped') {
      logger.warn('stopped the devnet a crashed run left behind', {
        pid: anvil.leftover.pid,
        port: anvil.leftover.port,
      })
    }
    const setup = await setupDevnet(anvil.rpcUrl)
    rpcUrl = anvil.rpcUrl
    logger.info('devnet ready', { rpcUrl, chainId: 8453, setupMs: setup.ms })
  }
  if (!rpcUrl) throw new Error('RPC_URL is required')

  if (config.network !== 'devnet') {
    const problems = await checkAssetRegistry(
      createPublicClient({
        transport: http(rpcUrl, { timeout: 10_000, maxResponseBodySize: RPC_MAX_RESPONSE_BYTES }),
      }),
      NETWORKS[config.network],
    )
    if (problems.length > 0) throw new AssetRegistryMismatchError(problems)
    logger.info('asset registry matches the chain', { network: config.network })
  }

  const database = openSqliteDb(config.databasePath, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
  const metrics = createPrometheusMetrics({ db: database.db, logger })
  collectDefaultMetrics({ register: metrics.registry })
  const services = createServices({
    config,
    db: database.db,
    rpcUrl,
    logger,
    metrics,
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
      releasedRetentionMs: config.releasedRetentionMs,
      metrics,
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
      .catch((error: unknown) => logger.warn('idempotency prune failed', { error: messageOf(error) }))
    void services.limiter
      .prune()
      .catch((error: unknown) => logger.warn('spend counter prune failed', { error: messageOf(error) }))
  }, 10 * 60_000)
  housekeeping.unref()
  let draining = false
  const app = createApp(services, catalog, {
    socketAddress: nodeSocketAddress,
    metrics,
    dashboard: loadDashboardAssets(),
    requestScope: requestScope.run,
    draining: () => draining,
  })
  // Payment headers can be large (smart-wallet signatures); let our own 16 KiB check answer, not Node's 431.
  const server = await listen(app.fetch, config.port, config.host, { maxHeaderSize: 64 * 1024 })
  const metricsServer =
    config.ops.metricsPort === undefined
      ? undefined
      : await listen(createMetricsApp(metrics).fetch, config.ops.metricsPort, config.ops.metricsHost)
  if (metricsServer) logger.info('metrics listener', { url: `${metricsServer.url}/metrics` })
  let stopped = false
  // Start-up is complete: its lines are on stderr now, not a turn later.
  sink.flush()
  return {
    url: server.url,
    rpcUrl,
    metricsUrl: metricsServer?.url,
    async stop() {
      if (stopped) return
      stopped = true
      draining = true
      const started = Date.now()
      logger.info('shutting down: draining in-flight requests', { boundMs: config.ops.shutdownDrainMs })
      const drained = await server.close(config.ops.shutdownDrainMs)
      if (!drained) logger.warn('drain bound reached; closed the remaining connections')
      else logger.info('drained', { ms: Date.now() - started })
      await metricsServer?.close(1000)
      stopReconciler()
      stopScheduler()
      clearInterval(housekeeping)
      // Optimistic settlements still running finish their bookkeeping before the database closes.
      await services.paid.idle()
      database.close()
      await anvil?.stop()
      sink.flush()
    },
  }
}

/** The devnet's pid file lives next to the database, so one data directory has at most one devnet. */
function devnetPidFile(databasePath: string): string | undefined {
  if (databasePath === ':memory:') return undefined
  const dir = path.dirname(path.resolve(databasePath))
  mkdirSync(dir, { recursive: true })
  return path.join(dir, 'devnet-anvil.pid')
}

/**
 * A Node HTTP server for `fetch` on host:port (0: any free port). `close(boundMs)` stops accepting at once, lets
 * in-flight requests finish for up to `boundMs` (idle keep-alive connections are closed as they go idle), then cuts
 * what is left; resolves true when everything finished in time.
 */
async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
  serverOptions: { maxHeaderSize?: number } = {},
) {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port, hostname, serverOptions }, () => resolve(s as Server))
  })
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  return {
    url: `http://${hostname}:${bound}`,
    async close(boundMs: number): Promise<boolean> {
      let done = false
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          done = true
          resolve()
        }),
      )
      const deadline = Date.now() + boundMs
      while (!done && Date.now() < deadline) {
        server.closeIdleConnections()
        await Promise.race([closed, sleep(100)])
      }
      const inTime = done
      if (!inTime) server.closeAllConnections()
      await closed
      return inTime
    },
  }
}
