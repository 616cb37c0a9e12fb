/**
 * Maps from raw indicator values to 0–100 sub-scores, shared by the grade and sentiment modules. Every map is
 * monotone or piecewise linear with documented knots, so a user can recompute a score by hand
 * (docs/methodology.md §T0).
 */
import { errorFunction } from 'simple-statistics'

/** A knot (x, score) of a piecewise-linear map. */
export type Knot = readonly [x: number, score: number]

export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x))
}

/**
 * Linear interpolation between knots sorted by x; flat beyond the first and last knot. Knots may go down as well
 * as up (e.g. an "over-extended" penalty).
 */
export function piecewiseLinear(x: number, knots: readonly Knot[]): number {
  const n = knots.length
  if (n === 0) throw new RangeError('piecewiseLinear needs at least one knot')
  // Index access rather than destructuring: this runs per bar per asset and must stay cheap.
  const first = knots[0]!
  const last = knots[n - 1]!
  if (x <= first[0]) return first[1]
  if (x >= last[0]) return last[1]
  for (let i = 1; i < n; i++) {
    const k1 = knots[i]!
    if (x <= k1[0]) {
      const k0 = knots[i - 1]!
      return k1[0] === k0[0] ? k1[1] : k0[1] + ((x - k0[0]) / (k1[0] - k0[0])) * (k1[1] - k0[1])
    }
  }
  return last[1]
}

/** 100 / (1 + e^(−x / scale)): 50 at 0, about 73 at +1 scale, 88 at +2 scales; symmetric. */
export function logisticScore(x: number, scale: number): number {
  return 100 / (1 + Math.exp(-x / scale))
}

/** Standard normal CDF × 100: the percentile of a z-score under N(0, 1). */
export function normalPercentile(z: number): number {
  return clamp(50 * (1 + errorFunction(z / Math.SQRT2)), 0, 100)
}

/** Weighted mean of the parts that are not null, with weights renormalised over them; null if none is present. */
export function weightedMean(parts: readonly { value: number | null; weight: number }[]): number | null {
  let sum = 0
  let weights = 0
  for (const { value, weight } of parts) {
    if (value === null) continue
    sum += value * weight
    weights += weight
  }
  return weights > 0 ? sum / weights : null
}
