import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { OpsMetrics } from './metrics'

/**
 * The route pattern that answered (`/v1/daily-ohlcv`, `/admin/spend-limits/:payer`), never the raw URL, so label
 * values stay few. Middleware is registered for ALL methods; the last route with a real method is the handler's.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c)
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!
    if (route.method !== 'ALL') return route.path
  }
  return 'unmatched'
}

/** Counts and times every request by method, route pattern and status. */
export function observeRequests(metrics: Pick<OpsMetrics, 'observeHttpRequest'>): MiddlewareHandler {
  return async function observeRequests(c, next) {
    const started = performance.now()
    try {
      await next()
    } finally {
      metrics.observeHttpRequest({
        method: c.req.method,
        route: routePattern(c),
        status: c.res.status,
        seconds: (performance.now() - started) / 1000,
      })
    }
  }
}
