import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { serve } from '@hono/node-server'
import { type AppOptions, createApp } from '../../src/app'
import { catalog } from '../../src/catalog'
import type { Endpoint } from '../../src/catalog/types'
import { parseEnv } from '../../src/config/env'
import { SERVER_BUSY_TIMEOUT_MS } from '../../src/db/busy'
import { openSqliteDb } from '../../src/db/client'
import { listPayments } from '../../src/db/queries/payments'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { nodeSocketAddress } from '../../src/http/node-socket-address'
import type { Candle } from '../../src/lib/candle'
import { createLogger } from '../../src/lib/logger'
import { createPrometheusMetrics } from '../../src/ops/metrics'
import type { TmaiRateFeed } from '../../src/pricing/tmai-offers'
import { createServices } from '../../src/services'

export interface TestContextOptions {
  rpcUrl: string
  env?: Record<string, string>
  endpoints?: readonly Endpoint[]
  seed?: boolean
  logLines?: string[]
  /** Clock for spend-limit windows. */
  nowSeconds?: () => number
  tmaiFeed?: TmaiRateFeed
  /** Runtime pieces for createApp (metrics, dashboard assets, request scope). */
  app?: AppOptions
  /** One Prometheus registry over this context's database, fed by the payment core and served at /metrics. */
  withMetrics?: boolean
}

/** Deterministic daily candles for a few symbols (a gentle random walk), so tests need no external data. */
export function sampleCandles(symbols = ['BTC', 'ETH', 'SOL'], days = 60, end = '2026-03-18'): Candle[] {
  const endMs = Date.parse(`${end}T00:00:00Z`)
  const out: Candle[] = []
  symbols.forEach((symbol, s) => {
    let price = [60000, 3000, 150, 1, 10][s % 5]! * (1 + s)
    for (let d = days - 1; d >= 0; d--) {
      const time = new Date(endMs - d * 86_400_000).toISOString().slice(0, 10)
      const drift = Math.sin((d + 1) * (s + 2) * 0.7) * 0.02
      const open = price
      const close = price * (1 + drift)
      out.push({
        symbol,
        time,
        open,
        high: Math.max(open, close) * 1.01,
        low: Math.min(open, close) * 0.99,
        close,
        volume: 1e9 * (1 + s),
        marketCap: close * 1e7 * (1 + s),
      })
      price = close
    }
  })
  return out
}

/** The real app over a real SQLite file and the real devnet, with account 0 settling and receiving. */
export async function createTestContext(options: TestContextOptions) {
  const dir = mkdtempSync(path.join(tmpdir(), 'x402-test-'))
  // Tests read every log line: no sampling of 402 challenges unless a test asks for it.
  const config = parseEnv({
    DATABASE_PATH: path.join(dir, 'test.db'),
    LOG_LEVEL: 'info',
    ACCESS_LOG_CHALLENGE_SAMPLE: '1',
    ...options.env,
  })
  const database = openSqliteDb(config.databasePath, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
  const lines = options.logLines ?? []
  const logger = createLogger('debug', (line) => lines.push(line))
  const metrics = options.withMetrics ? createPrometheusMetrics({ db: database.db, logger }) : undefined
  const services = createServices({
    config,
    db: database.db,
    rpcUrl: options.rpcUrl,
    logger,
    devnetDefaults: { payTo: devnetAccount(0).address, settlerPrivateKey: devnetPrivateKey(0) },
    nowSeconds: options.nowSeconds,
    tmaiFeed: options.tmaiFeed,
    metrics,
  })
  if (options.seed !== false) {
    await services.market.saveTokens([
      { symbol: 'BTC', name: 'Bitcoin', category: 'Layer 1' },
      { symbol: 'ETH', name: 'Ethereum', category: 'Layer 1' },
      { symbol: 'SOL', name: 'Solana', category: 'Layer 1' },
    ])
    await services.market.saveCandles('1d', sampleCandles(), 'csv')
  }
  // The Node socket address, as node.ts wires it: real for `listen`, absent ("unknown") for `app.request`.
  const app = createApp(services, options.endpoints ?? catalog, {
    socketAddress: nodeSocketAddress,
    ...(metrics ? { metrics } : {}),
    ...options.app,
  })
  return {
    app,
    services,
    metrics,
    config,
    db: database.db,
    logLines: lines,
    payments: (filter?: Parameters<typeof listPayments>[1]) => listPayments(database.db, filter),
    close: () => database.close(),
  }
}

/** Serves an app on a real loopback port (for the official x402 clients, which speak HTTP). */
export async function listen(app: { fetch: (req: Request) => Response | Promise<Response> }) {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      { fetch: app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: { maxHeaderSize: 64 * 1024 } },
      () => resolve(s),
    )
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
