/**
 * A query string in a stable order (by name, then value), so `?b=2&a=1` and `?a=1&b=2` buy the same thing. The
 * ledger's `requestKey` is `METHOD path?canonicalQuery`.
 */
export function canonicalQuery(rawQuery: string): string {
  const params = [...new URLSearchParams(rawQuery).entries()].sort(([a, av], [b, bv]) =>
    a === b ? av.localeCompare(bv) : a.localeCompare(b),
  )
  return new URLSearchParams(params).toString()
}
