import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { decodeHeader, encodeHeader } from './codec'

const Schema = z.object({ a: z.number() })
const opts = { maxBytes: 64, headerName: 'X-PAYMENT' }

describe('decodeHeader', () => {
  it('round-trips encodeHeader', () => {
    expect(decodeHeader(encodeHeader({ a: 1 }), Schema, opts)).toEqual({ ok: true, value: { a: 1 } })
  })

  it.each([
    ['too large', 'A'.repeat(65), 'payment_header_too_large', /65 bytes/],
    ['empty', '', 'invalid_payload', /not base64/],
    ['not base64', '!!!', 'invalid_payload', /not base64/],
    ['not JSON', Buffer.from('{oops').toString('base64'), 'invalid_payload', /not base64-encoded JSON/],
    ['wrong shape', encodeHeader({ a: 'x' }), 'invalid_payload', /a: /],
  ])('%s is a reasoned failure, not a throw', (_what, raw, reason, message) => {
    const result = decodeHeader(raw, Schema, opts)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.reason).toBe(reason)
      expect(result.message).toMatch(message)
    }
  })
})
