/**
 * Typed failures of the market-data sources. Expected problems (HTTP errors, timeouts, a changed payload format,
 * an interval a source cannot serve) are one of these classes with a message that names what failed and why.
 */

/** Base class, so callers can `instanceof SourceError` to tell source failures from bugs. */
export class SourceError extends Error {
  override name = 'SourceError'
}

/** The request failed: a non-2xx status (`status` set) or a network error (`status` null, see `cause`). */
export class SourceHttpError extends SourceError {
  override name = 'SourceHttpError'
  readonly url: string
  readonly status: number | null
  readonly attempts: number
  /** First characters of the response body, when there was one. */
  readonly body: string | null
  constructor(args: {
    url: string
    status: number | null
    attempts: number
    body?: string | null
    detail?: string
    cause?: unknown
  }) {
    const what = args.status === null ? `network error (${describeCause(args.cause)})` : `HTTP ${args.status}`
    const body = args.body ? `: ${args.body}` : ''
    const detail = args.detail ? ` (${args.detail})` : ''
    super(`GET ${args.url} failed with ${what} after ${plural(args.attempts, 'attempt')}${detail}${body}`, {
      cause: args.cause,
    })
    this.url = args.url
    this.status = args.status
    this.attempts = args.attempts
    this.body = args.body ?? null
  }
}

/** Every attempt ran past the per-request timeout. */
export class SourceTimeoutError extends SourceError {
  override name = 'SourceTimeoutError'
  readonly url: string
  readonly timeoutMs: number
  readonly attempts: number
  constructor(args: { url: string; timeoutMs: number; attempts: number; cause?: unknown }) {
    super(`GET ${args.url} timed out after ${args.timeoutMs} ms (${plural(args.attempts, 'attempt')})`, {
      cause: args.cause,
    })
    this.url = args.url
    this.timeoutMs = args.timeoutMs
    this.attempts = args.attempts
  }
}

/** The response arrived but is not the format we parse (not JSON, or the zod schema rejected it). Never retried. */
export class SourcePayloadError extends SourceError {
  override name = 'SourcePayloadError'
  readonly url: string
  constructor(args: { url: string; problem: string; cause?: unknown }) {
    super(`GET ${args.url} returned an unexpected payload: ${args.problem}`, { cause: args.cause })
    this.url = args.url
  }
}

/** The source cannot serve this request at all (an interval it has no history for). */
export class SourceUnsupportedError extends SourceError {
  override name = 'SourceUnsupportedError'
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause)
  // undici wraps the socket error: "fetch failed" with cause ECONNREFUSED etc.
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ''
  return `${cause.message}${inner}`
}
