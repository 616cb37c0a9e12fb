import { cors } from 'hono/cors'

/**
 * What browser code may send and read, in one place (a cheaper CORS path for 402s can reuse it):
 * the x402 payment headers of both versions, the token preference (`x-payment-token`), the Token Metrics guide's
 * `x-coinbase-402` opt-in, safe retries (`Idempotency-Key`), `Authorization` (admin API), and MCP's own headers;
 * exposed: the challenge and settlement headers, retry hints, the replay marker and the request id.
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

/** CORS for every route: any origin (the API has no cookies; payments are signed per request). */
export const corsPolicy = () =>
  cors({
    origin: '*',
    allowHeaders: [...CORS_POLICY.allowHeaders],
    exposeHeaders: [...CORS_POLICY.exposeHeaders],
    allowMethods: [...CORS_POLICY.allowMethods],
    maxAge: CORS_POLICY.maxAge,
  })
