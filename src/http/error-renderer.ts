import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ApiError, errorBody } from '../lib/errors'
import type { Logger } from '../lib/logger'

/**
 * The one HTTP error renderer (app.onError, for every route the app mounts, /admin and /metrics included): an
 * ApiError keeps its status and becomes `{success:false, error, message, ...details}`; a framework HTTP error keeps
 * its status; anything else is our fault, logged and answered as a bare 500.
 */
export function createErrorRenderer(logger: Logger) {
  return function renderError(err: Error, c: Context): Response {
    if (err instanceof ApiError) {
      return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode)
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode
      return c.json(
        errorBody(status >= 500 ? 'internal_error' : 'bad_request', err.message || 'request failed'),
        status,
      )
    }
    logger.error('unhandled error', { path: c.req.path, error: err.message, stack: err.stack })
    return c.json(errorBody('internal_error', 'internal error; nothing was charged'), 500)
  }
}
