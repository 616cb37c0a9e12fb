import type { MiddlewareHandler } from 'hono'

/**
 * The one list of what browsers may send and read (x402 headers, idempotency). One name per line, so adding a
 * header is a one-line change that merges cleanly.
 */
export const CORS_HEADERS = {
  allow: [
    'Content-Type',
    'X-PAYMENT',
    'PAYMENT-SIGNATURE',
    'Access-Control-Expose-Headers',
    'Idempotency-Key',
  ],
  expose: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE', 'X-Request-Id'],
  methods: ['GET', 'POST', 'OPTIONS'],
} as const

/**
 * CORS for a public API (`*`, no credentials), applied after the handler. hono/cors sets its headers before `next()`,
 * which makes Hono create a placeholder response and re-wrap the handler's own `Response` around a stream body,
 * forcing @hono/node-server off its fast path on every answer (the 402 path included); setting the same headers on
 * the final response keeps it a plain string body. Preflights are answered here, before any route runs.
 */
export function cors(): MiddlewareHandler {
  const allowHeaders = CORS_HEADERS.allow.join(',')
  const exposeHeaders = CORS_HEADERS.expose.join(',')
  const allowMethods = CORS_HEADERS.methods.join(',')
  return async function cors(c, next) {
    if (c.req.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: {
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Allow-Methods': allowMethods,
          'Access-Control-Allow-Headers': allowHeaders,
          'Access-Control-Expose-Headers': exposeHeaders,
          Vary: 'Access-Control-Request-Headers',
        },
      })
    }
    await next()
    const headers = c.res.headers
    headers.set('Access-Control-Allow-Origin', '*')
    headers.set('Access-Control-Expose-Headers', exposeHeaders)
  }
}
