import type { Env, Hono } from 'hono'

export interface StaticAsset {
  body: string
  contentType: string
}

/**
 * The dashboard's files by name (`index.html`, `dashboard.js`, `dashboard.css`, `vendor/chart.umd.min.js`). The app
 * only serves them; the runtime loads them: Node reads them at start-up (node/dashboard-assets.ts), a Worker would
 * import them as text modules (wrangler `[[rules]] type = "Text"`) into the same map.
 */
export type DashboardAssets = ReadonlyMap<string, StaticAsset>

/** Same-origin only: no inline script, no CDN, no framing. The admin key never leaves this origin. */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
}

/** Mounts `/dashboard` (the page) and `/dashboard/<asset>`; without assets both answer 404 saying why. */
export function registerDashboard<E extends Env>(app: Hono<E>, assets: DashboardAssets | undefined): void {
  const serve = (name: string) => {
    const asset = assets?.get(name)
    if (!asset) return undefined
    return new Response(asset.body, { headers: { 'Content-Type': asset.contentType, ...SECURITY_HEADERS } })
  }
  const missing = (what: string) =>
    Response.json(
      {
        success: false,
        error: 'not_found',
        message: assets ? `no dashboard asset ${what}` : 'the dashboard is not available in this deployment',
      },
      { status: 404 },
    )
  app.get('/dashboard', () => serve('index.html') ?? missing('index.html'))
  app.get('/dashboard/:asset{.+}', (c) => {
    const name = c.req.param('asset')
    return (name !== 'index.html' && serve(name)) || missing(name)
  })
}
