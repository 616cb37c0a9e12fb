import type { DurableObjectNamespace } from '@cloudflare/workers-types/latest'
import type { Hono } from 'hono'
import { getConnInfo } from 'hono/cloudflare-workers'
import { createApp } from '../app'
import { durableRelayer, type RelayerEndpoint } from '../chain/durable-relayer'
import type { Config } from '../config/env'
import { openD1Db } from '../db/d1-client'
import type { AppEnv } from '../http/app-env'
import { createLogger } from '../lib/logger'
import { createPrometheusMetrics } from '../ops/metrics'
import { createServices, type Services } from '../services'
import { configFromBindings, type WorkerBindings } from './bindings'
import { type SharedStateEndpoint, sharedQuoteStore, sharedRateLimiter } from './shared-stores'

export interface WorkerRuntime {
  config: Config
  services: Services
  app: Hono<AppEnv>
}

const stubOf = <T>(namespace: DurableObjectNamespace, name: string) =>
  namespace.get(namespace.idFromName(name)) as unknown as T

/**
 * The same Services and app as Node, composed from a Worker's bindings: D1 through drizzle, the settlement key's
 * Durable Object as the relayer, TMAI quotes and admin rate limits in the SharedState object, client addresses from
 * `cf-connecting-ip`, log lines on the console.
 */
export function createWorkerRuntime(env: WorkerBindings): WorkerRuntime {
  const config = configFromBindings(env)
  const logger = createLogger(config.logLevel, (line) => console.log(line))
  const shared = () => stubOf<SharedStateEndpoint>(env.SHARED_STATE, 'shared')
  const db = openD1Db(env.DB)
  // One registry per isolate, fed by the payment core and the HTTP layer alike (as on Node).
  const metrics = createPrometheusMetrics({ db, logger })
  const services = createServices({
    config,
    db,
    metrics,
    rpcUrl: config.rpcUrl as string,
    logger,
    createRelayer: (wallet) =>
      durableRelayer(() => stubOf<RelayerEndpoint>(env.SETTLEMENT_RELAYER, wallet.account.address)),
    quoteStore: sharedQuoteStore(shared, logger),
    adminAccess: {
      createRateLimiter: (scope, perMinute) => sharedRateLimiter(shared, scope, perMinute),
    },
  })
  // Cloudflare's edge sets cf-connecting-ip to the client it accepted the connection from: the Worker's "socket".
  const app = createApp(services, undefined, {
    socketAddress: (c) => getConnInfo(c).remote.address,
    metrics,
  })
  return { config, services, app }
}

const runtimes = new WeakMap<WorkerBindings, WorkerRuntime>()

/** Built once per isolate (per bindings object) and reused by every request and scheduled event it serves. */
export function workerRuntime(env: WorkerBindings): WorkerRuntime {
  let runtime = runtimes.get(env)
  if (!runtime) {
    runtime = createWorkerRuntime(env)
    runtimes.set(env, runtime)
  }
  return runtime
}
