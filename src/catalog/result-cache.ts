/**
 * Endpoint results keyed by (endpoint, parsed input, data version). A new data version (any ingestion) makes every
 * older entry unreachable, so nothing stale is ever served; the LRU bound keeps memory flat.
 */
export class ResultCache<V> {
  private readonly entries = new Map<string, V>()
  hits = 0
  misses = 0

  constructor(private readonly maxEntries = 2000) {}

  static key(path: string, input: unknown, version: number): string {
    return `${version}|${path}|${stableStringify(input)}`
  }

  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key)
    if (cached !== undefined) {
      this.hits++
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key)
      this.entries.set(key, cached)
      return cached
    }
    this.misses++
    const value = await compute()
    this.entries.set(key, value)
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    return value
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** JSON with object keys sorted, so equal inputs give equal keys whatever their key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`
}
