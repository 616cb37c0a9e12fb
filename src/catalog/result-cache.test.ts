import { describe, expect, it } from 'vitest'
import { ResultCache, stableStringify } from './result-cache'

/** Each entry's cost beyond key and body (see ENTRY_OVERHEAD_BYTES). */
const OVERHEAD = 128

describe('ResultCache', () => {
  it('computes once per key and recomputes when the data version changes', async () => {
    const cache = new ResultCache()
    let runs = 0
    const compute = async () => String(++runs)
    const k1 = ResultCache.key('/v1/x', { symbol: ['BTC'], limit: 5 }, 1)
    expect(await cache.getOrCompute(k1, compute)).toBe('1')
    expect(
      await cache.getOrCompute(ResultCache.key('/v1/x', { limit: 5, symbol: ['BTC'] }, 1), compute),
    ).toBe('1')
    expect(
      await cache.getOrCompute(ResultCache.key('/v1/x', { symbol: ['BTC'], limit: 5 }, 2), compute),
    ).toBe('2')
    expect([cache.hits, cache.misses]).toEqual([1, 2])
  })

  it('is bounded by bytes: the least recently used entries go once keys and bodies pass the bound', async () => {
    const body = 'x'.repeat(1_000)
    const entry = 1 + body.length + OVERHEAD
    const cache = new ResultCache(3 * entry)
    await cache.getOrCompute('a', async () => body)
    await cache.getOrCompute('b', async () => body)
    await cache.getOrCompute('c', async () => body)
    expect(cache.bytes).toBe(3 * entry)
    await cache.getOrCompute('a', async () => 'recomputed') // touch a
    await cache.getOrCompute('d', async () => body) // evicts b, the least recently used
    expect([cache.size, cache.bytes]).toEqual([3, 3 * entry])
    expect(await cache.getOrCompute('a', async () => 'recomputed')).toBe(body)
    expect(await cache.getOrCompute('b', async () => 'recomputed')).toBe('recomputed')
  })

  it('one large body evicts as many small entries as it needs; a body above the whole bound is not kept', async () => {
    const cache = new ResultCache(10_000)
    for (const key of ['a', 'b', 'c', 'd']) await cache.getOrCompute(key, async () => 'y'.repeat(1_000))
    await cache.getOrCompute('big', async () => 'z'.repeat(8_000))
    expect(cache.bytes).toBeLessThanOrEqual(10_000)
    expect(cache.size).toBe(2) // 'd' and 'big'
    const huge = 'h'.repeat(20_000)
    expect(await cache.getOrCompute('huge', async () => huge)).toBe(huge)
    expect(cache.size).toBe(2)
    let runs = 0
    await cache.getOrCompute('huge', async () => String(++runs))
    expect(runs).toBe(1)
  })

  it('a bound of 0 caches nothing', async () => {
    const cache = new ResultCache(0)
    await cache.getOrCompute('a', async () => 'A')
    expect([cache.size, cache.bytes]).toEqual([0, 0])
  })

  it('stableStringify ignores key order and undefined values', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}')
  })
})
