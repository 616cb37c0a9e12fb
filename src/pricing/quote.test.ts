import { describe, expect, it } from 'vitest'
import { toAtomic } from '../lib/money'
import {
  discountAmountUsd,
  discountedUsdPrice,
  discountPercent,
  maxTokenAmountForUsd,
  QuoteInputError,
  quoteTokenAmount,
} from './quote'

const quote = (usdPrice: string, discount: string, tokenUsd: string, decimals: number) =>
  quoteTokenAmount({ usdPrice, discount, tokenUsd, decimals })

describe('quoteTokenAmount', () => {
  it.each([
    // [usdPrice, discount, tokenUsd, decimals, expected]
    // 0.0153 / 0.0007 = 21.857142857142857142857…: the remainder rounds up.
    ['0.017', '0.10', '0.0007', 18, 21_857_142_857_142_857_143n],
    ['0.017', '0.10', '0.0007', 6, 21_857_143n],
    ['0.034', '0.10', '0.0007', 18, 43_714_285_714_285_714_286n],
    ['0.068', '0.10', '0.0007', 18, 87_428_571_428_571_428_572n],
    ['0.017', '0', '0.0007', 18, 24_285_714_285_714_285_715n],
    // Exact divisions: no remainder, so no rounding up.
    ['0.017', '0.10', '0.0017', 18, 9n * 10n ** 18n],
    ['0.017', '0.10', '0.0017', 6, 9_000_000n],
    ['0.017', '0.10', '0.00051', 18, 30n * 10n ** 18n],
    ['0.017', '0.1', '0.000153', 6, 100_000_000n],
    ['0.02', '0.25', '0.0005', 18, 30n * 10n ** 18n],
    ['1', '0', '3', 0, 1n], // 0.333… → 1
    ['1', '0', '3', 6, 333_334n],
    ['3', '0', '3', 6, 1_000_000n],
    // Tiny and huge token prices.
    ['0.017', '0.10', '0.000000000000000001', 18, 153n * 10n ** 32n],
    [
      '0.017',
      '0.10',
      '0.0000000000000000000000000007',
      18,
      21_857_142_857_142_857_142_857_142_857_142_857_142_857_143n,
    ],
    ['0.017', '0.10', '100000000', 18, 153_000_000n],
    ['0.017', '0.10', '100000000', 6, 1n], // 0.000153 atomic units still cost one
    ['0.017', '0.10', '123456789.123456789', 18, 123_930_002n], // 123930001.1…
    // Amounts far above 2^64 atomic units.
    ['1000', '0', '0.0000001', 18, 10n ** 28n],
    ['1000000', '0.5', '0.000001', 18, 5n * 10n ** 29n],
    // A zero price quotes zero.
    ['0', '0.10', '0.0007', 18, 0n],
  ] as const)(
    '$%s at %s off at %s USD/token, %i decimals = %s',
    (usdPrice, discount, tokenUsd, decimals, expected) => {
      expect(quote(usdPrice, discount, tokenUsd, decimals)).toBe(expected)
    },
  )

  it('rounds up by exactly one unit when there is a remainder', () => {
    // 0.017 × 0.9 / 0.0007 × 10^18 = 21857142857142857142 + 6/7
    const floor = (153n * 10n ** 18n * 10n ** 4n) / (10n ** 4n * 7n)
    expect(floor).toBe(21_857_142_857_142_857_142n)
    expect(quote('0.017', '0.10', '0.0007', 18)).toBe(floor + 1n)
  })

  it.each(['0.017', '0.034', '0.068', '1', '2.01', '0.0079', '0.000001', '123456.654321'])(
    'USDC at 1.0 without discount is exactly toAtomic(%s, 6)',
    (usd) => {
      expect(quote(usd, '0', '1', 6)).toBe(toAtomic(usd, 6))
      expect(quote(usd, '0', '1.000', 6)).toBe(toAtomic(usd, 6))
    },
  )

  it('accepts a leading $ and padded zeros like parseDecimal does', () => {
    expect(quote('$0.017', '0.100', '0.00070', 18)).toBe(21_857_142_857_142_857_143n)
  })

  it.each([
    ['discount', '0.017', '1', '0.0007', 18],
    ['discount', '0.017', '1.0', '0.0007', 18],
    ['discount', '0.017', '1.5', '0.0007', 18],
    ['discount', '0.017', '-0.1', '0.0007', 18],
    ['discount', '0.017', '10%', '0.0007', 18],
    ['tokenUsd', '0.017', '0.10', '0', 18],
    ['tokenUsd', '0.017', '0.10', '0.0000', 18],
    ['tokenUsd', '0.017', '0.10', '7e-4', 18],
    ['usdPrice', '-0.017', '0.10', '0.0007', 18],
    ['usdPrice', '0.017 USD', '0.10', '0.0007', 18],
    ['decimals', '0.017', '0.10', '0.0007', -1],
    ['decimals', '0.017', '0.10', '0.0007', 1.5],
  ] as const)(
    'refuses a bad %s (%s, %s, %s, %i) with QuoteInputError',
    (field, usd, discount, tokenUsd, decimals) => {
      let caught: unknown
      try {
        quote(usd, discount, tokenUsd, decimals)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(QuoteInputError)
      expect((caught as QuoteInputError).field).toBe(field)
    },
  )

  it('names the field and value in the message', () => {
    expect(() => quote('0.017', '1', '0.0007', 18)).toThrowErrorMatchingInlineSnapshot(
      `[QuoteInputError: discount: must be in [0, 1), got "1"]`,
    )
    expect(() => quote('0.017', '0.1', '0', 18)).toThrowErrorMatchingInlineSnapshot(
      `[QuoteInputError: tokenUsd: must be above 0]`,
    )
  })
})

/**
 * An independent computation: every decimal scaled to an integer by 10^40 with string padding (no parseDecimal), then
 * one division with an explicit remainder test (no ceilDiv).
 */
const SCALE_DIGITS = 40
function scaled(value: string): bigint {
  const [whole = '0', fractionDigits = ''] = value.split('.')
  if (fractionDigits.length > SCALE_DIGITS) throw new Error('too many digits for the cross-check')
  return BigInt(whole + fractionDigits.padEnd(SCALE_DIGITS, '0'))
}
function independentQuote(usdPrice: string, discount: string, tokenUsd: string, decimals: number): bigint {
  const one = 10n ** BigInt(SCALE_DIGITS)
  const top = scaled(usdPrice) * (one - scaled(discount)) * 10n ** BigInt(decimals)
  const bottom = one * scaled(tokenUsd)
  const quotient = top / bottom
  return top % bottom === 0n ? quotient : quotient + 1n
}

/** Deterministic pseudo-random decimals (mulberry32), so a failure is reproducible. */
function randomDecimals(seed: number) {
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('')
  return {
    decimal(maxWhole: number, maxFraction: number): string {
      const whole = String(Number(digits(1 + Math.floor(next() * maxWhole))))
      const fractionLength = Math.floor(next() * (maxFraction + 1))
      return fractionLength === 0 ? whole : `${whole}.${digits(fractionLength)}`
    },
    discount(): string {
      return `0.${digits(1 + Math.floor(next() * 6))}`
    },
  }
}

describe('quoteTokenAmount against an independent bigint computation', () => {
  it.each([6, 18])(
    'agrees on 2,000 random inputs at %i decimals, and the quote is the smallest that covers the price',
    (decimals) => {
      const random = randomDecimals(decimals * 7919)
      for (let i = 0; i < 2000; i++) {
        const usdPrice = random.decimal(4, 6)
        const discount = random.discount()
        let tokenUsd = random.decimal(6, 20)
        if (/^[0.]+$/.test(tokenUsd)) tokenUsd = '0.0007'
        const amount = quote(usdPrice, discount, tokenUsd, decimals)
        expect(amount, `${usdPrice} ${discount} ${tokenUsd}`).toBe(
          independentQuote(usdPrice, discount, tokenUsd, decimals),
        )
        // amount × tokenUsd ≥ price after discount > (amount − 1) × tokenUsd, all in 10^-(40+decimals) units.
        const one = 10n ** BigInt(SCALE_DIGITS)
        const due = scaled(usdPrice) * (one - scaled(discount)) * 10n ** BigInt(decimals)
        expect(amount * scaled(tokenUsd) * one >= due).toBe(true)
        if (amount > 0n) expect((amount - 1n) * scaled(tokenUsd) * one < due).toBe(true)
      }
    },
  )
})

describe('discount helpers', () => {
  it.each([
    ['0.017', '0.10', '0.0153', '0.0017', '10'],
    ['0.034', '0.10', '0.0306', '0.0034', '10'],
    ['0.068', '0.1', '0.0612', '0.0068', '10'],
    ['0.017', '0', '0.017', '0', '0'],
    ['0.017', '0.125', '0.014875', '0.002125', '12.5'],
    ['1', '0.999999', '0.000001', '0.999999', '99.9999'],
  ])('$%s at %s off: pays %s, saves %s (%s%%)', (usd, discount, effective, saved, percent) => {
    expect(discountedUsdPrice(usd, discount)).toBe(effective)
    expect(discountAmountUsd(usd, discount)).toBe(saved)
    expect(discountPercent(discount)).toBe(percent)
  })

  it('the effective price and the amount saved add up to the list price exactly', () => {
    const effective = toAtomic(discountedUsdPrice('0.017', '0.10'), 12)
    const saved = toAtomic(discountAmountUsd('0.017', '0.10'), 12)
    expect(effective + saved).toBe(toAtomic('0.017', 12))
  })

  it('refuses a discount of 1 or more', () => {
    expect(() => discountedUsdPrice('0.017', '1')).toThrow(QuoteInputError)
    expect(() => discountPercent('2')).toThrow(QuoteInputError)
  })
})

describe('maxTokenAmountForUsd', () => {
  it.each([
    ['0.05', '0.0007', 18, 71_428_571_428_571_428_571n],
    ['0.05', '0.0007', 6, 71_428_571n],
    ['0.0153', '0.0007', 18, 21_857_142_857_142_857_142n],
    ['1', '1', 6, 1_000_000n],
    ['0.000001', '1', 6, 1n],
    ['0.0000001', '1', 6, 0n],
  ] as const)(
    'a $%s cap at %s USD/token is %s atomic units at %i decimals, rounded down',
    (cap, tokenUsd, decimals, expected) => {
      expect(maxTokenAmountForUsd({ usdCap: cap, tokenUsd, decimals })).toBe(expected)
    },
  )

  it('a cap of exactly the discounted price covers the quote only when the division is exact', () => {
    const cap = discountedUsdPrice('0.017', '0.10')
    expect(maxTokenAmountForUsd({ usdCap: cap, tokenUsd: '0.0017', decimals: 18 })).toBe(
      quote('0.017', '0.10', '0.0017', 18),
    )
    expect(maxTokenAmountForUsd({ usdCap: cap, tokenUsd: '0.0007', decimals: 18 })).toBe(
      quote('0.017', '0.10', '0.0007', 18) - 1n,
    )
  })
})
