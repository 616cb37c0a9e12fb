/**
 * Uniswap v3 tick arithmetic in bigints: price = 1.0001^tick as an exact-enough fraction, the oracle's arithmetic mean
 * tick, and rationals to decimal strings. No floats anywhere, so a TWAP becomes a decimal string quotes can use.
 */

export interface Fraction {
  numerator: bigint
  denominator: bigint
}

export const MIN_TICK = -887272
export const MAX_TICK = 887272

/** Fixed-point scale of the power: 10^60, far beyond the 10^-4 step between adjacent ticks. */
const SCALE = 10n ** 60n
const ONE_POINT_0001 = SCALE + SCALE / 10_000n

/**
 * 1.0001^tick (the price of token0 in token1, raw units) as a fraction. Computed as 1.0001^|tick| by squaring in
 * 60-digit fixed point, where every intermediate is ≥ 1 so each truncation costs at most 10^-60 relative; with at most
 * 40 multiplications for |tick| ≤ 887272 the result is within 10^-57 relative of the true power (below 10^-50 is
 * what the tests check). A negative tick inverts the fraction instead of dividing, so no precision is lost.
 */
export function priceAtTick(tick: number): Fraction {
  if (!Number.isSafeInteger(tick) || tick < MIN_TICK || tick > MAX_TICK)
    throw new RangeError(`tick ${tick} is outside [${MIN_TICK}, ${MAX_TICK}]`)
  let exponent = BigInt(Math.abs(tick))
  let base = ONE_POINT_0001
  let power = SCALE
  while (exponent > 0n) {
    if (exponent & 1n) power = (power * base) / SCALE
    exponent >>= 1n
    if (exponent > 0n) base = (base * base) / SCALE
  }
  return tick >= 0 ? { numerator: power, denominator: SCALE } : { numerator: SCALE, denominator: power }
}

/**
 * The arithmetic mean tick over `secondsAgo`, from `observe([secondsAgo, 0])`'s tick cumulatives, rounded towards
 * negative infinity exactly like Uniswap's OracleLibrary.consult. The result is a geometric-mean (TWAP) price up to
 * one tick, i.e. at most 0.01% below the continuous mean.
 */
export function arithmeticMeanTick(tickCumulatives: readonly [bigint, bigint], secondsAgo: number): number {
  if (!Number.isSafeInteger(secondsAgo) || secondsAgo <= 0)
    throw new RangeError('secondsAgo must be positive')
  const delta = tickCumulatives[1] - tickCumulatives[0]
  const seconds = BigInt(secondsAgo)
  let mean = delta / seconds // bigint division truncates towards zero, like Solidity
  if (delta < 0n && delta % seconds !== 0n) mean -= 1n
  return Number(mean)
}

/**
 * A positive fraction as a plain decimal string, truncated (not rounded) to `significantDigits` significant digits
 * (2/3, 6 → "0.666666"; 7e-4 exactly → "0.0007").
 */
export function fractionToDecimal(value: Fraction, significantDigits: number): string {
  const { numerator, denominator } = value
  if (denominator <= 0n || numerator < 0n) throw new RangeError('expected a non-negative fraction')
  if (!Number.isSafeInteger(significantDigits) || significantDigits < 1)
    throw new RangeError('significantDigits must be at least 1')
  if (numerator === 0n) return '0'
  // Choose k so that floor(value × 10^k) has exactly `significantDigits` digits.
  let k = significantDigits - (digitCount(numerator) - digitCount(denominator))
  let scaled = scaleFloor(numerator, denominator, k)
  while (digitCount(scaled) > significantDigits) scaled = scaleFloor(numerator, denominator, --k)
  while (digitCount(scaled) < significantDigits) scaled = scaleFloor(numerator, denominator, ++k)
  if (k <= 0) return (scaled * 10n ** BigInt(-k)).toString()
  const digits = scaled.toString().padStart(k + 1, '0')
  const whole = digits.slice(0, digits.length - k)
  const fraction = digits.slice(digits.length - k).replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole
}

function scaleFloor(numerator: bigint, denominator: bigint, k: number): bigint {
  return k >= 0 ? (numerator * 10n ** BigInt(k)) / denominator : numerator / (denominator * 10n ** BigInt(-k))
}

function digitCount(value: bigint): number {
  return value === 0n ? 0 : value.toString().length
}
