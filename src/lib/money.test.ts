import { describe, expect, it } from 'vitest'
import { ceilDiv, formatAtomic, formatUsdMicros, InvalidDecimalError, toAtomic, usdMicros } from './money'

describe('toAtomic', () => {
  it.each([
    ['0.017', 6, 17_000n],
    ['$0.034', 6, 34_000n],
    ['0.068', 6, 68_000n],
    ['1', 6, 1_000_000n],
    ['0.000001', 6, 1n],
    ['2.01', 6, 2_010_000n], // a float conversion gives 2009999.9999999998
    ['0.0079', 6, 7_900n], // and 7900.000000000001 here
    ['0.0007', 18, 700_000_000_000_000n],
    ['123456789.123456789123456789', 18, 123_456_789_123_456_789_123_456_789n],
  ])('%s at %i decimals is %s', (value, decimals, expected) => {
    expect(toAtomic(value, decimals)).toBe(expected)
  })

  it.each(['0.0000001', '-1', '1e-6', 'abc', '', '1.2.3'])('refuses %j', (value) => {
    expect(() => toAtomic(value, 6)).toThrow(InvalidDecimalError)
  })
})

describe('ceilDiv and formatAtomic', () => {
  it('rounds up only when there is a remainder', () => {
    expect(ceilDiv(10n, 5n)).toBe(2n)
    expect(ceilDiv(11n, 5n)).toBe(3n)
    expect(ceilDiv(0n, 5n)).toBe(0n)
    expect(ceilDiv(2n ** 70n + 1n, 2n)).toBe(2n ** 69n + 1n)
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError)
  })

  it.each([
    [17_000n, 6, '0.017'],
    [1_000_000n, 6, '1'],
    [1n, 18, '0.000000000000000001'],
    [0n, 6, '0'],
    [24_285_714_285_714_285_715n, 18, '24.285714285714285715'],
  ])('formats %s at %i decimals as %s', (atomic, decimals, text) => {
    expect(formatAtomic(atomic, decimals)).toBe(text)
    expect(toAtomic(text, decimals)).toBe(atomic)
  })
})

describe('usdMicros and formatUsdMicros', () => {
  it.each([
    ['0.017', 17_000n],
    ['$0.0153', 15_300n],
    ['25', 25_000_000n],
    ['0.000001', 1n],
  ])('%s is %s micro-dollars and formats back', (usd, micros) => {
    expect(usdMicros(usd)).toBe(micros)
    expect(formatUsdMicros(micros)).toBe(usd.replace('$', ''))
  })

  it('refuses sub-micro amounts instead of rounding them', () => {
    expect(() => usdMicros('0.0000001')).toThrow(InvalidDecimalError)
  })
})
