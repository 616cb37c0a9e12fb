import { describe, expect, it } from 'vitest'
import { ResultCache, stableStringify } from './result-cache'

describe('ResultCache', () => {
  it('computes once per key and recomputes when the data version changes', async () => {
    const cache = new ResultCache<number>()
    let runs = 0
    const compute = async () => ++runs
    const k1 = ResultCache.key('/v1/x', { symbol: ['BTC'], limit: 5 }, 1)
    expect(await cache.getOrCompute(k1, compute)).toBe(1)
    expect(
      await cache.getOrCompute(ResultCache.key('/v1/x', { limit: 5, symbol: ['BTC'] }, 1), compute),
    ).toBe(1)
    expect(
      await cache.getOrCompute(ResultCache.key('/v1/x', { symbol: ['BTC'], limit: 5 }, 2), compute),
    ).toBe(2)
    expect([cache.hits, cache.misses]).toEqual([1, 2])
  })

  it('evicts the least recently used entry beyond its bound', async () => {
    const cache = new ResultCache<string>(2)
    await cache.getOrCompute('a', async () => 'A')
    await cache.getOrCompute('b', async () => 'B')
    await cache.getOrCompute('a', async () => 'A2') // touch a
    await cache.getOrCompute('c', async () => 'C') // evicts b
    expect(cache.size).toBe(2)
    expect(await cache.getOrCompute('a', async () => 'A3')).toBe('A')
    expect(await cache.getOrCompute('b', async () => 'B2')).toBe('B2')
  })

  it('stableStringify ignores key order and undefined values', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}')
  })
})
