import { describe, expect, it } from 'vitest'
import { RateLimiter } from './rate-limit'

describe('RateLimiter', () => {
  it('allows perMinute at once, then refuses with Retry-After until a token refills', () => {
    let now = 1_000_000
    const limiter = new RateLimiter(3, () => now)
    expect([1, 2, 3].map(() => limiter.take('a').ok)).toEqual([true, true, true])
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 })
    expect(limiter.take('b').ok).toBe(true)
    now += 19_000
    expect(limiter.take('a').ok).toBe(false)
    now += 1_000
    expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('a').ok).toBe(false)
    now += 60_000
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false])
  })

  it('forgets the least recently seen identifiers beyond its bound', () => {
    const limiter = new RateLimiter(1, () => 0, 2)
    expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('b').ok).toBe(true)
    expect(limiter.take('c').ok).toBe(true)
    // "a" was evicted, so it starts with a full bucket; "c" was not.
    expect(limiter.take('a').ok).toBe(true)
    expect(limiter.take('c').ok).toBe(false)
  })

  it('rejects a non-positive rate', () => {
    expect(() => new RateLimiter(0)).toThrow(/positive/)
  })
})
