import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from './app-env'
import { CORS_ANSWER_HEADERS } from './cors'

/**
 * The headers every answer carries (CORS for any origin, the request id), added after the handler. A responder on
 * the hot path (the 402) builds its Response with them already in place and marks it, so nothing reads that
 * Response's headers again: reading `Response.headers` makes undici build and validate a Headers object (for a 4 KB
 * PAYMENT-REQUIRED, about a fifth of a 402's cost) that @hono/node-server then converts back.
 */
const CARRIES_COMMON_HEADERS = Symbol('carriesCommonHeaders')
type Marked = Response & { [CARRIES_COMMON_HEADERS]?: true }

/** The common headers of this request's answer, for a responder that builds its Response complete. */
export function commonHeadersOf(c: Context<AppEnv>): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': CORS_ANSWER_HEADERS['Access-Control-Allow-Origin'],
    'Access-Control-Expose-Headers': CORS_ANSWER_HEADERS['Access-Control-Expose-Headers'],
    'X-Request-Id': c.get('requestId'),
  }
}

/** Marks a Response built with {@link commonHeadersOf} in place. */
export function withCommonHeaders(response: Response): Response {
  ;(response as Marked)[CARRIES_COMMON_HEADERS] = true
  return response
}

/** Adds the common headers to every answer that does not carry them yet. */
export function commonHeaders(): MiddlewareHandler<AppEnv> {
  return async function commonHeaders(c, next) {
    await next()
    if ((c.res as Marked)[CARRIES_COMMON_HEADERS]) return
    const headers = c.res.headers
    for (const [name, value] of Object.entries(commonHeadersOf(c))) headers.set(name, value)
  }
}
