import { createHash } from 'node:crypto'
import type { Db } from '../db/client'
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  forgetIdempotencyKey,
  pruneIdempotency,
} from '../db/queries/idempotency'

/** x402 `payment-identifier` ids and Idempotency-Key values: 16–128 of [A-Za-z0-9_-]. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,128}$/

export interface StoredResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export type IdempotencyBegin =
  | { kind: 'claimed'; key: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'conflict'; reason: 'idempotency_key_reused' | 'request_in_progress' }

/** Hash of what a request asks for and who pays: a key may only ever stand for one of these. */
export function requestFingerprint(parts: {
  method: string
  path: string
  query: string
  body: string
  payer: string
}) {
  const bodyDigest = createHash('sha256').update(parts.body).digest('hex')
  return createHash('sha256')
    .update([parts.method, parts.path, parts.query, bodyDigest, parts.payer.toLowerCase()].join('\n'))
    .digest('hex')
}

/**
 * Safe retries: the first request with a key runs; a retry with the same key and the same request gets the stored
 * response (and settlement header) without a new charge; the same key for a different request is a conflict.
 * Keys are scoped to the payer, so nobody can read another payer's stored response by guessing its key.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly options: { ttlMs: number; maxRecords: number },
    private readonly now: () => number = Date.now,
  ) {}

  async begin(payer: string, key: string, fingerprint: string): Promise<IdempotencyBegin> {
    const scoped = `${payer.toLowerCase()}|${key}`
    const now = this.now()
    const result = await claimIdempotencyKey(this.db, {
      key: scoped,
      fingerprint,
      now,
      expiresAt: now + this.options.ttlMs,
    })
    if (result.claimed) return { kind: 'claimed', key: scoped }
    const existing = result.existing
    if (!existing) return { kind: 'conflict', reason: 'request_in_progress' }
    if (existing.fingerprint !== fingerprint) return { kind: 'conflict', reason: 'idempotency_key_reused' }
    if (existing.state !== 'done' || existing.status === null)
      return { kind: 'conflict', reason: 'request_in_progress' }
    return {
      kind: 'replay',
      response: {
        status: existing.status,
        headers: JSON.parse(existing.headers ?? '{}') as Record<string, string>,
        body: existing.body ?? '',
      },
    }
  }

  complete(scopedKey: string, response: StoredResponse): Promise<void> {
    return completeIdempotencyKey(this.db, scopedKey, response)
  }

  forget(scopedKey: string): Promise<void> {
    return forgetIdempotencyKey(this.db, scopedKey)
  }

  prune(): Promise<void> {
    return pruneIdempotency(this.db, this.now(), this.options.maxRecords)
  }
}
