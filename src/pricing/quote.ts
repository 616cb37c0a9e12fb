/**
 * Token quotes for USD prices: exact rational arithmetic on decimal strings with bigints, never a float.
 * See docs/tmai-pricing.md for the formula and why quotes round up.
 */
import { ceilDiv, formatAtomic, InvalidDecimalError, parseDecimal } from '../lib/money'

/** A quote input that cannot be priced (bad decimal, discount ≥ 1, token price 0): a caller or config bug. */
export class QuoteInputError extends Error {
  override name = 'QuoteInputError'
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${problem}`, options)
  }
}

export interface TokenQuoteInput {
  /** List price in USD, a decimal string ("0.017"). */
  usdPrice: string
  /** Fraction off the list price, a decimal string in [0, 1) ("0.10"). */
  discount: string
  /** Token price in USD, a decimal string > 0 ("0.0007"). */
  tokenUsd: string
  decimals: number
}

interface Fraction {
  numerator: bigint
  denominator: bigint
}

function fraction(field: string, value: string): Fraction {
  try {
    return parseDecimal(value)
  } catch (cause) {
    if (cause instanceof InvalidDecimalError) throw new QuoteInputError(field, cause.message, { cause })
    throw cause
  }
}

function discountFraction(value: string): Fraction {
  const discount = fraction('discount', value)
  if (discount.numerator >= discount.denominator)
    throw new QuoteInputError('discount', `must be in [0, 1), got ${JSON.stringify(value)}`)
  return discount
}

function tokenPriceFraction(value: string): Fraction {
  const price = fraction('tokenUsd', value)
  if (price.numerator === 0n) throw new QuoteInputError('tokenUsd', 'must be above 0')
  return price
}

function decimalsPower(decimals: number): bigint {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 255)
    throw new QuoteInputError('decimals', `must be a whole number in [0, 255], got ${decimals}`)
  return 10n ** BigInt(decimals)
}

/**
 * Atomic token units for a USD price: ceil(usdPrice × (1 − discount) / tokenUsd × 10^decimals), computed exactly as a
 * fraction of bigints and rounded up only when there is a remainder, so we never quote below the price.
 *
 * @example quoteTokenAmount({ usdPrice: '0.017', discount: '0.10', tokenUsd: '0.0007', decimals: 18 })
 *   // 21857142857142857143n (≈ 21.857 TMAI)
 * @throws {QuoteInputError} a malformed decimal, a discount outside [0, 1), a token price of 0, bad decimals
 */
export function quoteTokenAmount(input: TokenQuoteInput): bigint {
  const price = fraction('usdPrice', input.usdPrice)
  const discount = discountFraction(input.discount)
  const token = tokenPriceFraction(input.tokenUsd)
  const scale = decimalsPower(input.decimals)
  // (p.n / p.d) × ((d.d − d.n) / d.d) ÷ (t.n / t.d) × 10^decimals
  const numerator = price.numerator * (discount.denominator - discount.numerator) * token.denominator * scale
  const denominator = price.denominator * discount.denominator * token.numerator
  return ceilDiv(numerator, denominator)
}

/**
 * The USD price after the discount, exact: usdPrice × (1 − discount) ("0.017", "0.10" → "0.0153").
 * Both inputs are terminating decimals, so their product is one too: no rounding at all.
 */
export function discountedUsdPrice(usdPrice: string, discount: string): string {
  const price = fraction('usdPrice', usdPrice)
  const off = discountFraction(discount)
  return formatFraction(
    price.numerator * (off.denominator - off.numerator),
    price.denominator * off.denominator,
  )
}

/** The USD taken off the list price, exact: usdPrice × discount ("0.017", "0.10" → "0.0017"). */
export function discountAmountUsd(usdPrice: string, discount: string): string {
  const price = fraction('usdPrice', usdPrice)
  const off = discountFraction(discount)
  return formatFraction(price.numerator * off.numerator, price.denominator * off.denominator)
}

/** The discount as a percentage, exact ("0.10" → "10", "0.125" → "12.5"). */
export function discountPercent(discount: string): string {
  const off = discountFraction(discount)
  return formatFraction(off.numerator * 100n, off.denominator)
}

/**
 * The largest token amount a USD cap covers at `tokenUsd`: floor(usdCap / tokenUsd × 10^decimals). Rounded DOWN, as
 * a payer's cap must never allow more than it says ("0.05" at 0.0007 USD/TMAI, 18 decimals → 71428571428571428571).
 */
export function maxTokenAmountForUsd(input: { usdCap: string; tokenUsd: string; decimals: number }): bigint {
  const cap = fraction('usdCap', input.usdCap)
  const token = tokenPriceFraction(input.tokenUsd)
  const scale = decimalsPower(input.decimals)
  return (cap.numerator * token.denominator * scale) / (cap.denominator * token.numerator)
}

/** A fraction whose denominator is a power of ten, as a plain decimal string without trailing zeros. */
function formatFraction(numerator: bigint, denominator: bigint): string {
  const digits = denominator.toString().length - 1
  if (10n ** BigInt(digits) !== denominator) throw new RangeError(`${denominator} is not a power of ten`)
  return formatAtomic(numerator, digits)
}
