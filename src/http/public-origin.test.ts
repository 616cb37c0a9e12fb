import { describe, expect, it } from 'vitest'
import { createPublicOrigin, isLoopbackHostname } from './public-origin'

describe('isLoopbackHostname', () => {
  it('accepts localhost, 127.0.0.0/8 and ::1; nothing else', () => {
    for (const name of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]', '::1'])
      expect(isLoopbackHostname(name), name).toBe(true)
    for (const name of [
      'localhost.evil.example',
      'evil.localhost.com',
      '128.0.0.1',
      '10.0.0.5',
      '[::2]',
      '',
      '0.0.0.0',
    ])
      expect(isLoopbackHostname(name), name).toBe(false)
  })
})

describe('createPublicOrigin', () => {
  it('PUBLIC_URL wins over any Host, without its trailing slash', () => {
    const origin = createPublicOrigin({ publicUrl: 'https://api.example.com/', port: 4021 })
    expect(origin('http://evil.example')).toEqual({ origin: 'https://api.example.com', fromRequest: false })
  })

  it('without it: a loopback origin as it came, anything else the loopback default', () => {
    const origin = createPublicOrigin({ publicUrl: undefined, port: 4021 })
    expect(origin('http://localhost:8080')).toEqual({ origin: 'http://localhost:8080', fromRequest: true })
    expect(origin('http://[::1]:9')).toEqual({ origin: 'http://[::1]:9', fromRequest: true })
    expect(origin('http://evil.example:80')).toEqual({ origin: 'http://127.0.0.1:4021', fromRequest: true })
    expect(origin('https://127.0.0.1.evil.example')).toEqual({
      origin: 'http://127.0.0.1:4021',
      fromRequest: true,
    })
  })
})
