import { describe, expect, it } from 'vitest'
import { ByteLru } from './byte-lru'

const bySize = (key: string, value: string) => key.length + value.length

describe('ByteLru', () => {
  it('drops the least recently used once the bytes pass the bound', () => {
    const lru = new ByteLru<string, string>(20, bySize)
    lru.set('a', 'x'.repeat(9)) // 10
    lru.set('b', 'x'.repeat(9)) // 20
    expect(lru.get('a')).toBe('x'.repeat(9)) // a is now the most recent
    lru.set('c', 'x'.repeat(4)) // 25 > 20: b goes
    expect(lru.get('b')).toBeUndefined()
    expect([lru.get('a') !== undefined, lru.get('c') !== undefined]).toEqual([true, true])
    expect(lru.bytes).toBe(15)
    expect(lru.size).toBe(2)
  })

  it('replacing a key counts only its new size; an entry over the whole budget is not kept', () => {
    const lru = new ByteLru<string, string>(20, bySize)
    lru.set('a', 'x'.repeat(9))
    lru.set('a', 'x')
    expect(lru.bytes).toBe(2)
    lru.set('huge', 'x'.repeat(100))
    expect(lru.get('huge')).toBeUndefined()
    expect(lru.bytes).toBe(2)
  })
})
