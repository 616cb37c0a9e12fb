/** Default bound of the result cache: 32 MiB of keys and bodies. */
export const DEFAULT_RESULT_CACHE_MAX_BYTES = 32 * 1024 * 1024

/**
 * What one entry costs beyond its key and body: the Map slot, string headers and the recency bookkeeping. Counting
 * it keeps many tiny entries from growing memory past the bound.
 */
const ENTRY_OVERHEAD_BYTES = 128

/**
 * Serialized endpoint results (the JSON body as sent) keyed by (endpoint, parsed input, data version). A new data
 * version (any ingestion) makes every older entry unreachable, so nothing stale is ever served. Memory is bounded by
 * bytes, not entries: the least recently used entries go once keys and bodies together pass `maxBytes`. Sizes are
 * string lengths, which are bytes for the ASCII JSON we produce (V8 keeps such strings one byte per character).
 */
export class ResultCache {
  private readonly entries = new Map<string, string>()
  private bytesUsed = 0
  hits = 0
  misses = 0

  constructor(private readonly maxBytes = DEFAULT_RESULT_CACHE_MAX_BYTES) {}

  static key(path: string, input: unknown, version: number): string {
    return `${version}|${path}|${stableStringify(input)}`
  }

  async getOrCompute(key: string, compute: () => Promise<string>): Promise<string> {
    const cached = this.entries.get(key)
    if (cached !== undefined) {
      this.hits++
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key)
      this.entries.set(key, cached)
      return cached
    }
    this.misses++
    const body = await compute()
    const size = entrySize(key, body)
    // A body bigger than the whole budget is served but not kept; concurrent misses may have stored it meanwhile.
    if (size > this.maxBytes || this.entries.has(key)) return body
    this.entries.set(key, body)
    this.bytesUsed += size
    for (const [oldKey, oldBody] of this.entries) {
      if (this.bytesUsed <= this.maxBytes) break
      this.entries.delete(oldKey)
      this.bytesUsed -= entrySize(oldKey, oldBody)
    }
    return body
  }

  clear(): void {
    this.entries.clear()
    this.bytesUsed = 0
  }

  get size(): number {
    return this.entries.size
  }

  /** Bytes held by keys and bodies, overhead included; never above `maxBytes`. */
  get bytes(): number {
    return this.bytesUsed
  }
}

const entrySize = (key: string, body: string) => key.length + body.length + ENTRY_OVERHEAD_BYTES

/** JSON with object keys sorted, so equal inputs give equal keys whatever their key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`
}
