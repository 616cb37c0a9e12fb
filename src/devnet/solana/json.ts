/**
 * JSON with bigints written as plain integers (lamports, slots and `rentEpoch` = 2⁶⁴−1 exceed 2⁵³), as a Solana node
 * writes them; @solana/kit parses such numbers back into bigints. Otherwise the same as JSON.stringify.
 */
export function stringifyJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString()
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : stringifyJson(item))).join(',')}]`
  }
  const fields: string[] = []
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || typeof item === 'function') continue
    fields.push(`${JSON.stringify(key)}:${stringifyJson(item)}`)
  }
  return `{${fields.join(',')}}`
}
