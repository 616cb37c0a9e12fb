import { describe, expect, it } from 'vitest'
import { base64ToUtf8, bytesToBase64, utf8ToBase64 } from './base64'

describe('base64 with Web APIs', () => {
  it.each(['', 'a', '{"x402Version":2}', 'ünïcødé ✓ 𝄞', 'x'.repeat(100_000)])(
    'matches Node Buffer for %j',
    (text) => {
      expect(utf8ToBase64(text)).toBe(Buffer.from(text, 'utf8').toString('base64'))
      expect(base64ToUtf8(Buffer.from(text, 'utf8').toString('base64'))).toBe(text)
    },
  )

  it('decodes the URL-safe alphabet without padding', () => {
    const bytes = new Uint8Array([251, 255, 191])
    expect(bytesToBase64(bytes)).toBe('+/+/')
    expect(base64ToUtf8(Buffer.from('ü?').toString('base64url'))).toBe('ü?')
  })

  it('throws on bytes that are not UTF-8', () => {
    expect(() => base64ToUtf8(Buffer.from([0xff, 0xfe]).toString('base64'))).toThrow()
  })
})
