/**
 * `fetchJson`: one GET on global fetch, made robust for keyless public market-data APIs.
 *
 * - per-attempt timeout (`AbortSignal.timeout`);
 * - retries with exponential backoff and jitter for network errors, timeouts, 408, 429, 5xx and Binance's 418
 *   (its "IP banned for ignoring 429s" status); other 4xx fail at once;
 * - honours `Retry-After` (delta seconds or HTTP date) on any retried status, but refuses to wait longer than
 *   `maxRetryWaitMs` (a multi-hour 418 ban fails fast with a clear message instead of hanging);
 * - optional per-host pacing through a shared {@link HostRateLimiter};
 * - the JSON body is parsed with a zod schema, so a changed format fails with a readable {@link SourcePayloadError}.
 */
import { z } from 'zod'
import { SourceHttpError, SourcePayloadError, SourceTimeoutError } from './errors'
import type { HostRateLimiter } from './rate-limiter'
import { sleep as realSleep } from './rate-limiter'

/** How requests are made and retried. Every adapter accepts one, so tests can inject a fake sleep and tiny timeouts. */
export interface RequestPolicy {
  /** Defaults to global `fetch`. */
  fetch?: typeof fetch
  /** Per attempt, including reading the body. @default 15_000 */
  timeoutMs?: number
  /** Retries after the first attempt. @default 4 */
  retries?: number
  /** First backoff delay; doubles per retry. @default 500 */
  backoffBaseMs?: number
  /** Cap of one backoff delay. @default 30_000 */
  backoffMaxMs?: number
  /** Longest `Retry-After` we are willing to sleep; beyond it the request fails. @default 120_000 */
  maxRetryWaitMs?: number
  /** Statuses worth retrying besides 5xx. @default [408, 418, 429] */
  retryStatuses?: readonly number[]
  sleep?: (ms: number) => Promise<void>
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number
  /** Clock, for `Retry-After` dates. @default Date.now */
  now?: () => number
  /** Paces requests per host; shared by every request that passes it. */
  rateLimiter?: HostRateLimiter
  /** Caller cancellation (e.g. Ctrl-C). An abort is never retried. */
  signal?: AbortSignal
}

export interface FetchJsonOptions<T> extends RequestPolicy {
  /** Validates and shapes the JSON body. */
  schema: z.ZodType<T>
  headers?: Record<string, string>
}

const DEFAULT_HEADERS = {
  accept: 'application/json',
  'user-agent': 'x402-analytics/0.1 (market-data ingest)',
}
const BODY_SNIPPET_CHARS = 300

type Failure = { error: Error; retryable: boolean; retryAfterMs: number | null }

/**
 * GETs `url` and returns its JSON body parsed by `options.schema`.
 * @throws {SourceHttpError} non-retryable status, retries exhausted, or `Retry-After` above `maxRetryWaitMs`
 * @throws {SourceTimeoutError} the last attempt timed out
 * @throws {SourcePayloadError} the body is not JSON or does not match the schema
 */
export async function fetchJson<T>(url: string, options: FetchJsonOptions<T>): Promise<T> {
  const doFetch = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 15_000
  const retries = options.retries ?? 4
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 120_000
  const retryStatuses = options.retryStatuses ?? [408, 418, 429]
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  const headers = { ...DEFAULT_HEADERS, ...options.headers }

  for (let attempt = 1; ; attempt++) {
    await options.rateLimiter?.acquire(url)
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout
    let failure: Failure
    try {
      const response = await doFetch(url, { headers, signal })
      const text = await response.text()
      if (response.ok) return parseBody(url, text, options.schema)
      const status = response.status
      failure = {
        error: new SourceHttpError({ url, status, attempts: attempt, body: snippet(text) }),
        retryable: status >= 500 || retryStatuses.includes(status),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
      }
    } catch (cause) {
      if (cause instanceof SourcePayloadError || options.signal?.aborted) throw cause
      const error = timeout.aborted
        ? new SourceTimeoutError({ url, timeoutMs, attempts: attempt, cause })
        : new SourceHttpError({ url, status: null, attempts: attempt, cause })
      failure = { error, retryable: true, retryAfterMs: null }
    }

    if (!failure.retryable || attempt > retries) throw failure.error
    if (failure.retryAfterMs !== null && failure.retryAfterMs > maxRetryWaitMs) {
      throw retryWaitTooLong(failure.error, failure.retryAfterMs, maxRetryWaitMs)
    }
    const backoff = backoffDelay(
      attempt,
      options.backoffBaseMs ?? 500,
      options.backoffMaxMs ?? 30_000,
      options.random,
    )
    await sleep(failure.retryAfterMs ?? backoff)
  }
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries from many clients spread
 * out but never collapse to zero. `retry` is 1 for the first retry.
 */
export function backoffDelay(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/** `Retry-After` as milliseconds from `nowMs`: delta seconds (`"2"`) or an HTTP date. Null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null
  const value = header.trim()
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

function parseBody<T>(url: string, text: string, schema: z.ZodType<T>): T {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new SourcePayloadError({
      url,
      problem: `not JSON (starts with ${JSON.stringify(snippet(text))})`,
      cause,
    })
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success)
    throw new SourcePayloadError({ url, problem: z.prettifyError(parsed.error), cause: parsed.error })
  return parsed.data
}

function retryWaitTooLong(error: Error, retryAfterMs: number, maxMs: number): Error {
  if (!(error instanceof SourceHttpError)) return error
  return new SourceHttpError({
    url: error.url,
    status: error.status,
    attempts: error.attempts,
    body: error.body,
    detail: `server asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, more than the ${Math.ceil(maxMs / 1000)} s we wait`,
  })
}

const snippet = (text: string) => text.slice(0, BODY_SNIPPET_CHARS).trim()
