/**
 * This project's server for the side-by-side bench: the real app and services over a SQLite file, on the bench devnet,
 * configured by environment like `npm start` (spend caps off, so the load is not refused by them).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createApp } from '../../src/app'
import { parseEnv } from '../../src/config/env'
import { SERVER_BUSY_TIMEOUT_MS } from '../../src/db/busy'
import { openSqliteDb } from '../../src/db/client'
import { devnetAccount } from '../../src/devnet/accounts'
import { batchedSink, createLogger } from '../../src/lib/logger'
import { createServices } from '../../src/services'
import { sampleCandles } from '../../test/helpers/context'
import { requiredEnv, serveAndAnnounce } from './common'

const dir = mkdtempSync(path.join(tmpdir(), 'x402-bench-ours-'))
process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
const config = parseEnv({ DATABASE_PATH: path.join(dir, 'bench.db'), ...process.env })
const database = openSqliteDb(config.databasePath, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS })
const sink = batchedSink((chunk) => process.stderr.write(chunk))
const services = createServices({
  config,
  db: database.db,
  rpcUrl: requiredEnv('RPC_URL'),
  logger: createLogger(config.logLevel, sink.write),
  devnetDefaults: {
    payTo: devnetAccount(0).address,
    settlerPrivateKey: requiredEnv('SETTLER_KEY') as `0x${string}`,
  },
})
await services.market.saveTokens([{ symbol: 'BTC', name: 'Bitcoin', category: 'Layer 1' }])
await services.market.saveCandles('1d', sampleCandles(['BTC']), 'csv')
await serveAndAnnounce(createApp(services).fetch)
