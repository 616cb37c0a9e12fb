import { describe, expect, it } from 'vitest'
import { createAddressMatcher, parseAddressRange } from './ip-address'

const matcher = (...ranges: string[]) => createAddressMatcher(ranges.map((r) => parseAddressRange(r)!))

describe('address ranges', () => {
  it.each([
    ['127.0.0.1', 4, 32],
    ['10.0.0.0/8', 4, 8],
    ['10.1.2.3/8', 4, 8],
    ['::1', 6, 128],
    ['2001:db8::/32', 6, 32],
    ['::ffff:192.168.0.0/112', 4, 16],
    [' 0.0.0.0/0 ', 4, 0],
  ])('parses %s', (text, version, prefix) => {
    expect(parseAddressRange(text)).toMatchObject({ version, prefix })
  })

  it.each([
    '',
    'true',
    'localhost',
    '10.0.0.0/33',
    '10.0.0/8',
    '::1/129',
    '10.0.0.0/8/8',
    '1.2.3.4/x',
    '300.1.1.1',
  ])('refuses %j', (text) => {
    expect(parseAddressRange(text)).toBeUndefined()
  })

  it('matches single addresses and blocks, IPv4-mapped IPv6 as IPv4, nothing that is not an address', () => {
    const trusted = matcher('127.0.0.1', '10.0.0.0/8', '2001:db8::/32')
    expect(trusted('127.0.0.1')).toBe(true)
    expect(trusted('::ffff:127.0.0.1')).toBe(true)
    expect(trusted('127.0.0.2')).toBe(false)
    expect(trusted('10.255.1.2')).toBe(true)
    expect(trusted('11.0.0.1')).toBe(false)
    expect(trusted('2001:db8:1::5')).toBe(true)
    expect(trusted('2001:db9::5')).toBe(false)
    expect(trusted('fe80::1%eth0')).toBe(false)
    expect(trusted('unknown')).toBe(false)
    expect(trusted('')).toBe(false)
    expect(matcher()('127.0.0.1')).toBe(false)
  })
})
