import type { Context } from 'hono'
import { matchedRoutes } from 'hono/route'

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
