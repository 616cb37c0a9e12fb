/**
 * Client-side pacing: keeps at least `minIntervalMs` between the starts of two requests to the same host, so the
 * public keyless endpoints never see bursts from us. Slots are reserved synchronously, so concurrent callers queue
 * up in call order instead of all waking at once.
 */

export interface HostRateLimiterOptions {
  /** Minimum gap between request starts to one host. */
  minIntervalMs: number
  /** Per-host overrides, keyed by `URL.host` (e.g. `api.coingecko.com`). */
  perHost?: Record<string, number>
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class HostRateLimiter {
  private readonly nextSlot = new Map<string, number>()
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>

  constructor(private readonly options: HostRateLimiterOptions) {
    if (!(options.minIntervalMs >= 0)) throw new Error('HostRateLimiter: minIntervalMs must be >= 0')
    this.now = options.now ?? Date.now
    this.sleep = options.sleep ?? sleep
  }

  /** Resolves when a request to `url`'s host may start, and books the slot for it. */
  async acquire(url: string): Promise<void> {
    const host = new URL(url).host
    const now = this.now()
    const start = Math.max(now, this.nextSlot.get(host) ?? 0)
    this.nextSlot.set(host, start + this.intervalFor(host))
    if (start > now) await this.sleep(start - now)
  }

  private intervalFor(host: string): number {
    return this.options.perHost?.[host] ?? this.options.minIntervalMs
  }
}
