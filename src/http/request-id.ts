import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './app-env'

const ACCEPTED = /^[\w\-=]{1,255}$/

/**
 * `X-Request-Id`: the caller's (when it is a sane token) or a fresh UUID, in the context's `requestId` for logs; echoed on
 * the response by `commonHeaders()`, after the handler (hono/request-id's pre-`next()` header is lost on a handler's
 * own `Response` unless something re-wraps it).
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return function requestId(c, next) {
    const given = c.req.header('X-Request-Id')
    c.set('requestId', given && ACCEPTED.test(given) ? given : crypto.randomUUID())
    return next()
  }
}
