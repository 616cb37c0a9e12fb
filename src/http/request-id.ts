import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './app-env'

const ACCEPTED = /^[\w\-=]{1,255}$/

/**
 * `X-Request-Id`: the caller's (when it is a sane token) or a fresh UUID, in `c.var.requestId` for logs and echoed
 * on the response. Set after the handler, like our CORS headers, so a handler's own `Response` is sent as it is
 * (hono/request-id's pre-`next()` header is lost on such responses unless something re-wraps them).
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestId(c, next) {
    const given = c.req.header('X-Request-Id')
    const id = given && ACCEPTED.test(given) ? given : crypto.randomUUID()
    c.set('requestId', id)
    await next()
    c.res.headers.set('X-Request-Id', id)
  }
}
