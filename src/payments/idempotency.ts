import { retryWhileBusy } from '../db/busy'
import type { Db } from '../db/client'
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  forgetIdempotencyKey,
  forgetIdempotencyKeysOfPayment,
  holdIdempotencyKey,
  pruneIdempotency,
} from '../db/queries/idempotency'
import { sha256Hex } from '../lib/digest'

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
  /** A payment whose settlement outlived its request holds the key: only that payment may continue with it. */
  | { kind: 'held'; key: string; paymentId: string }
  | { kind: 'conflict'; reason: 'idempotency_key_reused' | 'request_in_progress' }

/** Hash of what a request asks for and who pays: a key may only ever stand for one of these. */
export async function requestFingerprint(parts: {
  method: string
  path: string
  query: string
  body: string
  payer: string
}): Promise<string> {
  const bodyDigest = await sha256Hex(parts.body)
  return sha256Hex([parts.method, parts.path, parts.query, bodyDigest, parts.payer.toLowerCase()].join('\n'))
}

export interface IdempotencyOptions {
  ttlMs: number
  maxRecords: number
  /** An `in_progress` record older than this belongs to a request that died (a crash): the key may be claimed again. */
  inProgressTtlMs?: number
}

/**
 * Safe retries: the first request with a key runs; a retry with the same key and the same request gets the stored
 * response (and settlement header) without a new charge; the same key for a different request is a conflict.
 * Keys are scoped to the payer, so nobody can read another payer's stored response by guessing its key.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: Db,
    private readonly options: IdempotencyOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(payer: string, key: string, fingerprint: string): Promise<IdempotencyBegin> {
    const scoped = `${payer.toLowerCase()}|${key}`
    const now = this.now()
    const result = await retryWhileBusy('claim idempotency key', () =>
      claimIdempotencyKey(this.db, {
        key: scoped,
        fingerprint,
        now,
        expiresAt: now + this.options.ttlMs,
        staleInProgressBefore: now - (this.options.inProgressTtlMs ?? 5 * 60_000),
      }),
    )
    if (result.claimed) return { kind: 'claimed', key: scoped }
    const existing = result.existing
    if (!existing) return { kind: 'conflict', reason: 'request_in_progress' }
    if (existing.fingerprint !== fingerprint) return { kind: 'conflict', reason: 'idempotency_key_reused' }
    if (existing.state === 'in_progress' && existing.paymentId)
      return { kind: 'held', key: scoped, paymentId: existing.paymentId }
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
    return retryWhileBusy('complete idempotency key', () =>
      completeIdempotencyKey(this.db, scopedKey, response),
    )
  }

  /** Keeps the key for a payment still settling, so a retry can only redeem that payment. */
  hold(scopedKey: string, paymentId: string): Promise<void> {
    return retryWhileBusy('hold idempotency key', () => holdIdempotencyKey(this.db, scopedKey, paymentId))
  }

  forget(scopedKey: string): Promise<void> {
    return retryWhileBusy('forget idempotency key', () => forgetIdempotencyKey(this.db, scopedKey))
  }

  /** The held payment failed for good (reconciled): its keys are free for a new attempt. */
  forgetPayment(paymentId: string): Promise<void> {
    return retryWhileBusy('forget idempotency keys', () => forgetIdempotencyKeysOfPayment(this.db, paymentId))
  }

  prune(): Promise<void> {
    return pruneIdempotency(this.db, this.now(), this.options.maxRecords)
  }
}
