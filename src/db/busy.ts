/**
 * Write contention without blocking the event loop. better-sqlite3 is synchronous, so its `busy_timeout` waits
 * inside the call and freezes every other request; the connection keeps that timeout short and writes that meet a
 * lock (another process ingesting, a backup) are retried here with asynchronous back-off instead.
 */

/** The database was still locked after every retry: an infrastructure failure, never the caller's fault. */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError'
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`database busy during ${operation}`, options)
  }
}

/** SQLite's "database is locked" family (better-sqlite3 codes; D1 reports the text). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true
  return error instanceof Error && /database is locked|SQLITE_BUSY/i.test(error.message)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `write`, retrying while the database is busy for up to `budgetMs` in total (jittered back-off from 5 ms to
 * 100 ms). A busy statement changed nothing, so retrying it is safe. Other errors pass through untouched.
 */
export async function retryWhileBusy<T>(
  operation: string,
  write: () => Promise<T>,
  budgetMs = 2_000,
): Promise<T> {
  const deadline = Date.now() + budgetMs
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      if (!isBusyError(error)) throw error
      if (Date.now() >= deadline) throw new StoreBusyError(operation, { cause: error })
      const backoff = Math.min(100, 5 * 2 ** attempt)
      await sleep(backoff / 2 + Math.random() * (backoff / 2))
    }
  }
}

/** The server's synchronous lock wait per statement: short enough never to freeze the event loop noticeably. */
export const SERVER_BUSY_TIMEOUT_MS = 20
