import { describe, expect, it } from 'vitest'
import { encodeCursor, PaymentsQuery } from './params'

describe('admin paging cursors (Web APIs only)', () => {
  it('encode exactly as the earlier Buffer base64url code did, so cursors handed out before still parse', () => {
    const position = { createdAt: 1_767_225_600_123, id: 'pay_ünïcödé_>>>???' }
    const before = Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
    expect(encodeCursor(position)).toBe(before)
    expect(PaymentsQuery.parse({ cursor: before }).cursor).toEqual(position)
  })

  it.each(['garbage!', 'W10', Buffer.from('[1]').toString('base64url'), '%%%'])(
    'refuses %j as not a cursor of this API',
    (cursor) => {
      const parsed = PaymentsQuery.safeParse({ cursor })
      expect(parsed.success).toBe(false)
      expect(parsed.error?.issues[0]?.message).toBe('not a cursor returned by this API')
    },
  )
})
