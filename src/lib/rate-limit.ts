export type RateLimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/**
 * The storage port of a rate limit (the admin API's): where the buckets live. {@link RateLimiter} keeps them in this
 * process; a fleet of instances (Workers isolates) passes one that every instance shares, so the budget is global.
 */
export interface RateLimitPort {
  take(id: string): RateLimitDecision | Promise<RateLimitDecision>
}

/**
 * In-memory token buckets, one per identifier (key id or client address): `perMinute` requests at once, refilled
 * continuously at `perMinute` per minute. Per process: with several instances, each enforces its own budget.
 */
export class RateLimiter implements RateLimitPort {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private readonly refillPerMs: number

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    /** Bound on tracked identifiers; the least recently seen are dropped first. */
    private readonly maxEntries = 10_000,
  ) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new Error('perMinute must be a positive integer')
    this.refillPerMs = perMinute / 60_000
  }

  /** Takes one token for `id`; when none is left, says how many seconds until one is. */
  take(id: string): RateLimitDecision {
    const now = this.now()
    const bucket = this.buckets.get(id)
    const tokens = bucket
      ? Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.refillPerMs)
      : this.perMinute
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.buckets.delete(id)
    if (tokens < 1) {
      this.buckets.set(id, { tokens, at: now })
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.refillPerMs / 1000)) }
    }
    this.buckets.set(id, { tokens: tokens - 1, at: now })
    while (this.buckets.size > this.maxEntries) {
      const oldest = this.buckets.keys().next().value
      if (oldest === undefined) break
      this.buckets.delete(oldest)
    }
    return { ok: true }
  }
}
