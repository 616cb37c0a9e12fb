/**
 * Money helpers: decimal strings in, bigint atomic units out. Never a float on the way.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/

export class InvalidDecimalError extends Error {
  override name = 'InvalidDecimalError'
  constructor(value: string, reason: string) {
    super(`invalid decimal amount ${JSON.stringify(value)}: ${reason}`)
  }
}

/** Parses a non-negative decimal string ("0.017", "$0.017") into a fraction numerator/denominator pair. */
export function parseDecimal(value: string): { numerator: bigint; denominator: bigint } {
  const cleaned = value.trim().replace(/^\$/, '')
  const match = DECIMAL.exec(cleaned)
  if (!match) throw new InvalidDecimalError(value, 'expected digits with an optional fractional part')
  const [, whole, fraction = ''] = match
  return { numerator: BigInt(`${whole}${fraction}`), denominator: 10n ** BigInt(fraction.length) }
}

/** Exact conversion of a decimal amount to atomic units; throws if it has more fractional digits than `decimals`. */
export function toAtomic(value: string, decimals: number): bigint {
  const { numerator, denominator } = parseDecimal(value)
  const scaled = numerator * 10n ** BigInt(decimals)
  if (scaled % denominator !== 0n)
    throw new InvalidDecimalError(value, `more precision than ${decimals} decimals`)
  return scaled / denominator
}

/** Integer division rounding up (for quotes that must never undercharge). */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive')
  return numerator >= 0n ? (numerator + denominator - 1n) / denominator : numerator / denominator
}

/** Formats atomic units as a decimal string without trailing zeros ("17000", 6 -> "0.017"). */
export function formatAtomic(atomic: bigint, decimals: number): string {
  const negative = atomic < 0n
  const digits = (negative ? -atomic : atomic).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/**
 * USD inside the service: bigint micro-dollars (6 decimals, like USDC), so prices, discounts, spend caps and revenue
 * are exact integers. A `number` appears only at the database edge (64-bit integer columns).
 */
export type UsdMicros = bigint

/** Exact micro-dollars of a decimal USD string ("0.017" or "$0.017" → 17000n); throws beyond 6 decimals. */
export function usdMicros(value: string): UsdMicros {
  return toAtomic(value, 6)
}

/** Micro-dollars as a decimal USD string without trailing zeros (17000n → "0.017"). */
export function formatUsdMicros(micros: UsdMicros): string {
  return formatAtomic(micros, 6)
}
