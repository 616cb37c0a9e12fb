import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../lib/errors'

/**
 * Longest request URL we read, in characters: what common proxies accept (8 KiB), and about twice what our largest
 * legitimate query needs (100 symbols). Node itself admits 64 KiB of request line and headers, which payment headers
 * need, so the URL gets its own, smaller bound.
 */
export const MAX_URL_CHARS = 8 * 1024

/** Refuses an over-long URL with 414 `uri_too_long` before anything parses its query. */
export function urlLengthLimit(maxChars = MAX_URL_CHARS): MiddlewareHandler {
  return async function urlLengthLimit(c, next) {
    if (c.req.url.length > maxChars) {
      throw new ApiError(
        'uriTooLong',
        `the request URL is over ${maxChars} characters; send fewer or shorter parameters`,
      )
    }
    await next()
  }
}
