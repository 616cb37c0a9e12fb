import { describe, expect, it } from 'vitest'
import { formatPercent, formatRatio, formatUsd, joinList } from './report-format'

describe('formatUsd', () => {
  it.each([
    [1.42e12, '$1.42T'],
    [266e9, '$266.00B'],
    [310_500_000, '$310.50M'],
    [71_203.456, '$71,203.46'],
    [1, '$1.00'],
    [0, '$0.00'],
    [0.5, '$0.5000'],
    [0.000012346, '$0.00001235'],
    [1.234e-9, '$0.000000001234'],
    [-2_500_000, '-$2.50M'],
  ])('%s → %s', (value, text) => {
    expect(formatUsd(value)).toBe(text)
  })
})

describe('formatPercent / formatRatio / joinList', () => {
  it('formats fractions as percentages', () => {
    expect(formatPercent(0.0512)).toBe('5.1%')
    expect(formatPercent(0.0512, { signed: true })).toBe('+5.1%')
    expect(formatPercent(-0.25, { signed: true, digits: 0 })).toBe('-25%')
    expect(formatPercent(0, { signed: true })).toBe('0.0%')
  })

  it('formats ratios and lists', () => {
    expect(formatRatio(1.236)).toBe('1.24')
    expect(joinList([])).toBe('')
    expect(joinList(['a'])).toBe('a')
    expect(joinList(['a', 'b'])).toBe('a and b')
    expect(joinList(['a', 'b', 'c'])).toBe('a, b and c')
  })
})
