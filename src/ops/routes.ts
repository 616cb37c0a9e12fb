import { Hono } from 'hono'
import { type AdminEnv, adminAuth, requireScope } from '../admin/auth'
import { RateLimiter } from '../admin/rate-limit'
import { AdminRefusals } from '../admin/refusals'
import { DEFAULT_ADMIN_RATE_LIMIT } from '../admin/router'
import type { Db } from '../db/client'
import type { AppEnv } from '../http/app-env'
import type { ClientAddress } from '../http/client-address'
import { errorBody } from '../lib/errors'
import type { Logger } from '../lib/logger'
import { type DashboardAssets, registerDashboard } from './dashboard'
import type { OpsMetrics } from './metrics'
import type { Readiness } from './readiness'

export interface OpsRouteDeps {
  db: Db
  logger: Logger
  /** ADMIN_KEY_PEPPER: /metrics takes the same admin keys as /admin. */
  pepper?: string
  metrics: OpsMetrics
  readiness: Readiness
  dashboard?: DashboardAssets
  /** Who is asking, as the admin API sees it (per-address limit and refusal summaries). */
  clientAddress: ClientAddress
  now?: () => number
}

const NO_STORE = { 'Cache-Control': 'no-store' }

async function metricsResponse(metrics: OpsMetrics): Promise<Response> {
  const { contentType, body } = await metrics.scrape()
  return new Response(body, { headers: { 'Content-Type': contentType, ...NO_STORE } })
}

/** `/health` (liveness), `/ready` (readiness), `/metrics` (an admin key with the read scope), `/dashboard`. */
export function registerOpsRoutes(app: Hono<AppEnv>, deps: OpsRouteDeps): void {
  const now = deps.now ?? Date.now

  // Liveness: the process answers. Nothing else is asked, so a slow dependency never gets the process restarted.
  app.get('/health', (c) => c.json({ ok: true }, 200, NO_STORE))

  app.get('/ready', async (c) => {
    const report = await deps.readiness.check()
    if (report.ready) return c.json({ success: true, ready: true, checks: report.checks }, 200, NO_STORE)
    return c.json(
      {
        ...errorBody('not_ready', `not ready: ${report.failing.join(', ')}`),
        ready: false,
        failing: report.failing,
        checks: report.checks,
      },
      503,
      NO_STORE,
    )
  })

  const scrape = new Hono<AdminEnv>()
  scrape.use(
    adminAuth({
      db: deps.db,
      logger: deps.logger,
      pepper: deps.pepper,
      now,
      perIp: new RateLimiter(DEFAULT_ADMIN_RATE_LIMIT.perIpPerMinute, now),
      perKey: new RateLimiter(DEFAULT_ADMIN_RATE_LIMIT.perKeyPerMinute, now),
      clientAddress: deps.clientAddress,
      refusals: new AdminRefusals({ db: deps.db, logger: deps.logger }),
    }),
  )
  scrape.get('/', requireScope('read'), () => metricsResponse(deps.metrics))
  app.route('/metrics', scrape)

  registerDashboard(app, deps.dashboard)
}

/**
 * The separate metrics listener (METRICS_PORT, bound to localhost by default): `/metrics` without a key, for a
 * Prometheus on the same host or network namespace. Nothing else is served there.
 */
export function createMetricsApp(metrics: OpsMetrics): Hono {
  const app = new Hono()
  app.get('/metrics', () => metricsResponse(metrics))
  app.notFound((c) => c.json(errorBody('not_found', 'only /metrics is served here'), 404))
  return app
}
