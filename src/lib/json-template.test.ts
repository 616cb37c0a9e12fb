import { describe, expect, it } from 'vitest'
import { utf8ToBase64 } from './base64'
import { base64JsonTemplate, jsonTemplate } from './json-template'

const SLOT = 'slot marker 7f3e'
const values = [
  '',
  'h',
  'ht',
  'http://localhost/v1/daily-ohlcv?symbol=ETH',
  'http://127.0.0.1:4021/v1/daily-ohlcv?symbol=ETH&limit=30',
  'https://api.example/v1/x?q="quoted"&back=\\slash',
  'https://api.example/v1/x?name=Zürich&emoji=💸&ctl=\u0001',
]
const shapes = [
  (url: string) => ({ x402Version: 2, resource: { url, description: 'd' }, accepts: [{ amount: '17000' }] }),
  (url: string) => ({ a: url, b: [url, { c: url }], tail: 'ü'.repeat(7) }),
  (url: string) => ({ url }),
  (url: string) => ({ u: url, x: 1, v: url }),
]

describe('json templates', () => {
  it.each(shapes.map((shape, i) => [i, shape] as const))(
    'shape %i: filled JSON and base64 are byte-identical to encoding the filled object',
    (_i, shape) => {
      const json = JSON.stringify(shape(SLOT))
      const fillJson = jsonTemplate(json, SLOT)
      const fillBase64 = base64JsonTemplate(json, SLOT)
      for (const value of values) {
        const direct = JSON.stringify(shape(value))
        expect(fillJson(value)).toBe(direct)
        expect(fillBase64(value)).toBe(utf8ToBase64(direct))
      }
    },
  )

  it('refuses a template whose JSON lacks the slot', () => {
    expect(() => jsonTemplate('{"a":1}', SLOT)).toThrow(/slot/)
  })
})
