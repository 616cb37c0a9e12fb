import type { MiddlewareHandler } from 'hono'

/**
 * What browser code may send and read, in one place, one name per line: the x402 payment headers of both versions,
 * the token preference (`x-payment-token`), the Token Metrics guide's `x-coinbase-402` opt-in, safe retries
 * (`Idempotency-Key`), `Authorization` (admin API) and MCP's own headers; exposed: the challenge and settlement
 * headers, retry hints, the replay marker and the request id.
 */
export const CORS_POLICY = {
  allowHeaders: [
    'Content-Type',
    'Accept',
    'X-PAYMENT',
    'PAYMENT-SIGNATURE',
    'Access-Control-Expose-Headers',
    'x-payment-token',
    'x-coinbase-402',
    'Idempotency-Key',
    'Authorization',
    'Mcp-Session-Id',
    'Mcp-Protocol-Version',
    'Last-Event-ID',
  ],
  exposeHeaders: [
    'PAYMENT-REQUIRED',
    'PAYMENT-RESPONSE',
    'X-PAYMENT-RESPONSE',
    'Retry-After',
    'Idempotent-Replayed',
    'X-Request-Id',
    'Mcp-Session-Id',
  ],
  allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
  /** Browsers may cache a preflight this long (seconds), so a paying page does not preflight every call. */
  maxAge: 600,
} as const

/** The CORS headers of every answer (preflights aside). */
export const CORS_ANSWER_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': CORS_POLICY.exposeHeaders.join(','),
} as const

/**
 * CORS for a public API (any origin: no cookies; payments are signed per request). Preflights are answered here,
 * before any route runs; every other answer gets {@link CORS_ANSWER_HEADERS} after its handler, from
 * `commonHeaders()`. (hono/cors sets its headers before `next()`, which makes Hono create a placeholder response
 * and re-wrap the handler's own `Response` around a stream body, forcing @hono/node-server off its fast path.)
 */
export function corsPreflight(): MiddlewareHandler {
  const preflight = {
    ...CORS_ANSWER_HEADERS,
    'Access-Control-Allow-Methods': CORS_POLICY.allowMethods.join(','),
    'Access-Control-Allow-Headers': CORS_POLICY.allowHeaders.join(','),
    'Access-Control-Max-Age': String(CORS_POLICY.maxAge),
    Vary: 'Access-Control-Request-Headers',
  }
  return async function corsPreflight(c, next) {
    if (c.req.method === 'OPTIONS') return new Response(null, { status: 204, headers: preflight })
    await next()
  }
}
