/**
 * A least-recently-used map bounded by bytes rather than entries: once the entries' sizes (as `sizeOf` counts them)
 * pass `maxBytes`, the least recently used go first. An entry bigger than the whole budget is not kept.
 */
export class ByteLru<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>()
  private used = 0

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (key: K, value: V) => number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    // Map iteration order is insertion order: re-inserting marks it most recently used.
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  set(key: K, value: V): void {
    const bytes = this.sizeOf(key, value)
    const old = this.entries.get(key)
    if (old) {
      this.entries.delete(key)
      this.used -= old.bytes
    }
    if (bytes > this.maxBytes) return
    this.entries.set(key, { value, bytes })
    this.used += bytes
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break
      this.entries.delete(oldest)
      this.used -= entry.bytes
    }
  }

  get size(): number {
    return this.entries.size
  }

  /** Bytes held, as `sizeOf` counts them; never above `maxBytes`. */
  get bytes(): number {
    return this.used
  }
}
