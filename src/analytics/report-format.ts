/**
 * Number formatting for generated report prose. Only the TEXT is rounded; numeric report fields keep full precision.
 * Fixed 'en-US' locale so the same input always yields the same sentence.
 */

const grouped = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

const UNITS: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
]

/** `$1.42T`, `$310.50M`, `$71,203.45`, `$0.00001234` (4 significant digits below $1). */
export function formatUsd(value: number): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  for (const [scale, unit] of UNITS) {
    if (abs >= scale) return `${sign}$${(abs / scale).toFixed(2)}${unit}`
  }
  if (abs >= 1 || abs === 0) return `${sign}$${grouped.format(abs)}`
  // toFixed, not toPrecision, so tiny prices never switch to exponent notation.
  const decimals = Math.min(100, 3 - Math.floor(Math.log10(abs)))
  return `${sign}$${abs.toFixed(decimals)}`
}

/** A fraction as a percentage: 0.0512 → `+5.1%` (signed) or `5.1%`. */
export function formatPercent(fraction: number, options: { signed?: boolean; digits?: number } = {}): string {
  const { signed = false, digits = 1 } = options
  const text = `${(fraction * 100).toFixed(digits)}%`
  return signed && fraction > 0 ? `+${text}` : text
}

/** A plain ratio with two decimals: 1.234 → `1.23`. */
export function formatRatio(value: number): string {
  return value.toFixed(2)
}

/** `a`, `a and b`, `a, b and c`. */
export function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}
