import { describe, expect, it } from 'vitest'
import { arithmeticMeanTick, fractionToDecimal, MAX_TICK, MIN_TICK, priceAtTick } from './tick-math'

/** |a/b − c/d| / (c/d) < 10^-digits, in bigints. */
function relativelyClose(
  a: { numerator: bigint; denominator: bigint },
  exact: { numerator: bigint; denominator: bigint },
  digits: number,
): boolean {
  const diff = a.numerator * exact.denominator - exact.numerator * a.denominator
  const abs = diff < 0n ? -diff : diff
  return abs * 10n ** BigInt(digits) < exact.numerator * a.denominator
}

/** Integer square root by Newton's method (floor). */
function isqrt(value: bigint): bigint {
  if (value < 2n) return value
  let x = value
  let y = (x + 1n) >> 1n
  while (y < x) {
    x = y
    y = (x + value / x) >> 1n
  }
  return x
}

describe('priceAtTick', () => {
  it.each([0, 1, -1, 2, 60, -60, 1000, -1000, 4321, -4999])(
    'matches the exact rational 10001^t / 10000^t to 50 digits at tick %i',
    (tick) => {
      const n = BigInt(Math.abs(tick))
      const exact =
        tick >= 0
          ? { numerator: 10001n ** n, denominator: 10000n ** n }
          : { numerator: 10000n ** n, denominator: 10001n ** n }
      expect(relativelyClose(priceAtTick(tick), exact, 50)).toBe(true)
    },
  )

  it.each([-887272, -348_981, -276_325, -100_000, 100_000, 276_324, 348_980, 887272])(
    'agrees with Math.pow(1.0001, %i) to 1e-9',
    (tick) => {
      const { numerator, denominator } = priceAtTick(tick)
      const approx = Number(fractionToDecimal({ numerator, denominator }, 20))
      expect(Math.abs(approx / 1.0001 ** tick - 1)).toBeLessThan(1e-9)
    },
  )

  it("reproduces Uniswap's MIN_SQRT_RATIO and MAX_SQRT_RATIO (sqrt(price) × 2^96 at the tick bounds)", () => {
    const sqrtX96 = (tick: number) => {
      const { numerator, denominator } = priceAtTick(tick)
      return isqrt((numerator << 192n) / denominator)
    }
    // TickMath rounds its Q128.128 value up into Q64.96; the bounds are pinned constants in every v3 deployment.
    const min = sqrtX96(MIN_TICK)
    expect(min === 4295128739n || min === 4295128738n).toBe(true)
    const max = sqrtX96(MAX_TICK)
    const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n
    // TickMath's own approximation limits it to about 19 significant digits at this end.
    expect(
      relativelyClose(
        { numerator: max, denominator: 1n },
        { numerator: MAX_SQRT_RATIO, denominator: 1n },
        15,
      ),
    ).toBe(true)
  })

  it('inverts exactly for negative ticks', () => {
    const up = priceAtTick(348_980)
    const down = priceAtTick(-348_980)
    expect(down).toEqual({ numerator: up.denominator, denominator: up.numerator })
  })

  it.each([MIN_TICK - 1, MAX_TICK + 1, 0.5, Number.NaN])('refuses tick %s', (tick) => {
    expect(() => priceAtTick(tick)).toThrow(RangeError)
  })
})

describe('arithmeticMeanTick', () => {
  it.each([
    [[0n, 1800n * 348_980n], 1800, 348_980],
    [[0n, -1800n * 348_980n], 1800, -348_980],
    [[1000n, 1000n + 1799n], 1800, 0], // 0.999… truncates to 0
    [[1000n, 1000n - 1n], 1800, -1], // −0.0005… rounds towards −∞, as OracleLibrary does
    [[-5n, -5n - 3600n], 1800, -2], // exact negative: no extra step
    [[123_456_789n, 123_456_789n + 7n], 2, 3],
    [[0n, -7n], 2, -4],
  ] as const)('%s over %i s is %i', (cumulatives, seconds, expected) => {
    expect(arithmeticMeanTick(cumulatives, seconds)).toBe(expected)
  })

  it('refuses a window of 0', () => {
    expect(() => arithmeticMeanTick([0n, 0n], 0)).toThrow(RangeError)
  })
})

describe('fractionToDecimal', () => {
  it.each([
    [7n, 10_000n, 15, '0.0007'],
    [2n, 3n, 6, '0.666666'],
    [2n, 3n, 1, '0.6'],
    [200n, 3n, 4, '66.66'],
    [123_456_789n, 1n, 3, '123000000'],
    [10n ** 30n, 7n, 5, '142850000000000000000000000000'],
    [1n, 10n ** 40n, 3, '0.0000000000000000000000000000000000000001'],
    [999_999n, 1_000_000n, 3, '0.999'], // truncated, never rounded up
    [0n, 1n, 5, '0'],
    [5n, 1n, 15, '5'],
  ])('%s/%s to %i digits is %s', (numerator, denominator, digits, text) => {
    expect(fractionToDecimal({ numerator, denominator }, digits)).toBe(text)
  })
})
