import type { MiddlewareHandler } from 'hono'
import type { HttpMetrics } from '../lib/metrics'
import { routePattern } from './route-pattern'

/** Counts and times every request by method, route pattern and status. */
export function observeRequests(metrics: HttpMetrics): MiddlewareHandler {
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
