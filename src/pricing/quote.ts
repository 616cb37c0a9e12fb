import { ceilDiv, parseDecimal } from '../lib/money'

export class QuoteInputError extends Error {
  override name = 'QuoteInputError'
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

/**
 * Atomic token units for a USD price: ceil(usdPrice × (1 − discount) / tokenUsd × 10^decimals), computed exactly as a
 * fraction of bigints and rounded up only when there is a remainder, so we never quote below the price.
 */
export function quoteTokenAmount(input: TokenQuoteInput): bigint {
  const price = parseDecimal(input.usdPrice)
  const discount = parseDecimal(input.discount)
  const token = parseDecimal(input.tokenUsd)
  if (discount.numerator >= discount.denominator)
    throw new QuoteInputError(`discount must be below 1, got ${input.discount}`)
  if (token.numerator === 0n) throw new QuoteInputError('token price must be above 0')
  if (!Number.isInteger(input.decimals) || input.decimals < 0)
    throw new QuoteInputError('decimals must be a whole number')
  // (p.n/p.d) × ((d.d − d.n)/d.d) / (t.n/t.d) × 10^decimals
  const numerator =
    price.numerator *
    (discount.denominator - discount.numerator) *
    token.denominator *
    10n ** BigInt(input.decimals)
  const denominator = price.denominator * discount.denominator * token.numerator
  return ceilDiv(numerator, denominator)
}
