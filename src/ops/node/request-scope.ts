import { AsyncLocalStorage } from 'node:async_hooks'

export type RequestFields = { requestId: string }

/**
 * Node only: carries the request id through everything a request awaits, so every log line written meanwhile (the
 * payment gate's, the ledger's, the error renderer's) names its request without being handed a child logger.
 */
export function createRequestScope() {
  const storage = new AsyncLocalStorage<RequestFields>()
  return {
    /** For the logger's `context` option. */
    current: (): RequestFields | undefined => storage.getStore(),
    /** For the app's `requestScope` option. */
    run: <T>(fields: RequestFields, fn: () => Promise<T>): Promise<T> => storage.run({ ...fields }, fn),
  }
}

export type RequestScope = ReturnType<typeof createRequestScope>
