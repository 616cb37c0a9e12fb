import { type Env, Hono, type MiddlewareHandler } from 'hono'
import { errorBody } from '../lib/errors'
import { type DashboardAssets, registerDashboard } from './dashboard'
import type { OpsMetrics } from './metrics'
import type { Readiness } from './readiness'

export interface OpsRouteDeps {
  metrics: OpsMetrics
  readiness: Readiness
  dashboard?: DashboardAssets
  /**
   * Who may scrape `/metrics`: the admin API's own key check with the read scope, rate limits and audit included
   * (the entry passes admin/router.ts `createAdminKeyGuard`).
   */
  metricsAccess: MiddlewareHandler
}

const NO_STORE = { 'Cache-Control': 'no-store' }

async function metricsResponse(metrics: OpsMetrics): Promise<Response> {
  const { contentType, body } = await metrics.scrape()
  return new Response(body, { headers: { 'Content-Type': contentType, ...NO_STORE } })
}

/** `/health` (liveness), `/ready` (readiness), `/metrics` (an admin key with the read scope), `/dashboard`. */
export function registerOpsRoutes<E extends Env>(app: Hono<E>, deps: OpsRouteDeps): void {
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

  const scrape = new Hono()
  scrape.use(deps.metricsAccess)
  scrape.get('/', () => metricsResponse(deps.metrics))
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
