import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hmacSha256Hex, sha256Hex } from './digest'

describe('Web Crypto digests', () => {
  it.each(['', 'GET /v1/price?symbol=BTC', 'ünïcødé'])('sha256Hex(%j) equals node:crypto', async (text) => {
    expect(await sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'))
  })

  it('hmacSha256Hex equals node:crypto', async () => {
    expect(await hmacSha256Hex('pepper', 'secret')).toBe(
      createHmac('sha256', 'pepper').update('secret').digest('hex'),
    )
  })
})
