import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { type ClientAddressOptions, createClientAddress } from './client-address'

/** A real Hono app that answers with the client address it attributes the request to. */
async function addressOf(options: ClientAddressOptions, forwardedFor?: string) {
  const clientAddress = createClientAddress(options)
  const app = new Hono().get('/', (c) => c.text(clientAddress(c)))
  const res = await app.request('/', { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} })
  return res.text()
}

const proxy = { socketAddress: () => '10.0.0.2', trustedProxies: ['10.0.0.0/24', '::1'] }

describe('createClientAddress', () => {
  it('without trusted proxies: the socket address, whatever the headers say; "unknown" without a socket', async () => {
    expect(await addressOf({ socketAddress: () => '192.0.2.1' }, '203.0.113.5')).toBe('192.0.2.1')
    expect(await addressOf({}, '203.0.113.5')).toBe('unknown')
    expect(await addressOf({ trustedProxies: ['10.0.0.0/24'] }, '203.0.113.5')).toBe('unknown')
  })

  it.each([
    ['203.0.113.5', '203.0.113.5'],
    ['spoofed, 203.0.113.5', '203.0.113.5'],
    ['203.0.113.5, 10.0.0.7', '203.0.113.5'],
    ['203.0.113.5:4711, 10.0.0.7', '203.0.113.5'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['203.0.113.5, ::1, 10.0.0.9', '203.0.113.5'],
    // Every hop trusted: the left-most one is as far as the chain can tell.
    ['10.0.0.8, 10.0.0.9', '10.0.0.8'],
    ['', '10.0.0.2'],
    [' , ', '10.0.0.2'],
  ])('behind a trusted proxy, X-Forwarded-For %j → %s', async (header, expected) => {
    expect(await addressOf(proxy, header)).toBe(expected)
  })

  it('caps what a header can make us store', async () => {
    expect(await addressOf(proxy, `${'x'.repeat(500)}, 10.0.0.7`)).toHaveLength(64)
  })

  it('refuses a malformed proxy list at construction', () => {
    expect(() => createClientAddress({ trustedProxies: ['10.0.0.0/40'] })).toThrow(/10\.0\.0\.0\/40/)
  })
})
