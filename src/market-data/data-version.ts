/** Where a {@link DataVersionTracker} reads from. */
export interface DataVersionSource {
  /** The stored version row, bumped by every write from any process (works on SQLite and D1). */
  readVersion(): Promise<number>
  /** A counter that changes when another connection commits; `undefined` where the database offers none. */
  readChangeCounter(): Promise<number | undefined>
}

export interface DataVersionTrackerOptions {
  /** Without a change counter (D1), how long a version read stays trusted before the row is read again. */
  recheckMs?: number
  now?: () => number
}

/** Default staleness bound where no change counter exists: writes from elsewhere are seen within 2 s. */
export const DEFAULT_VERSION_RECHECK_MS = 2_000

/**
 * The market-data version as this process should see it, without a query per cache lookup and without missing
 * writes made by another process (an `ingest` next to a running server). Where the database has a cheap change
 * counter (SQLite's `PRAGMA data_version`), the version row is re-read only when the counter moved, so an external
 * write is seen on the very next call; elsewhere the row is re-read at most every `recheckMs`.
 */
export class DataVersionTracker {
  private state: { version: number; counter: number | undefined; readAt: number } | undefined
  /** When the version was last confirmed (counter or row read). */
  private checkedAt = Number.NEGATIVE_INFINITY
  private counterAvailable = true
  private readonly recheckMs: number
  private readonly now: () => number

  constructor(
    private readonly source: DataVersionSource,
    options: DataVersionTrackerOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? DEFAULT_VERSION_RECHECK_MS
    this.now = options.now ?? Date.now
  }

  /**
   * `maxAgeMs`: a caller that can live with a version confirmed that long ago (the discovery examples in every 402)
   * gets it without a query.
   */
  async current(options: { maxAgeMs?: number } = {}): Promise<number> {
    if (this.state && options.maxAgeMs !== undefined && this.now() - this.checkedAt < options.maxAgeMs)
      return this.state.version
    const counter = this.counterAvailable ? await this.source.readChangeCounter() : undefined
    if (counter === undefined) this.counterAvailable = false
    const state = this.state
    if (state) {
      const unchanged =
        counter !== undefined ? counter === state.counter : this.now() - state.readAt < this.recheckMs
      if (unchanged) {
        // Confirmed now only if the counter was read; without one, the row read is the last confirmation.
        if (counter !== undefined) this.checkedAt = this.now()
        return state.version
      }
    }
    // The counter is read before the row: a commit in between makes the next call read the row again.
    const version = await this.source.readVersion()
    this.state = { version, counter, readAt: this.now() }
    this.checkedAt = this.state.readAt
    return version
  }

  /**
   * This process bumped the version itself (its own writes do not move the change counter). The counter seen last is
   * kept, so a write from elsewhere since then still triggers a re-read.
   */
  record(version: number): void {
    this.state = { version, counter: this.state?.counter, readAt: this.now() }
    this.checkedAt = this.state.readAt
  }
}
