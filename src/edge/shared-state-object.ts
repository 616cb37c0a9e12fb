import { DurableObject } from 'cloudflare:workers'
import { type RateLimitDecision, RateLimiter } from '../lib/rate-limit'
import { quoteKey, type TmaiQuote } from '../pricing/tmai-offers'
import type { WorkerBindings } from './bindings'

const QUOTE_PREFIX = 'quote|'
/** How often expired quotes are swept from storage. */
const SWEEP_EVERY_MS = 60_000

/**
 * State that one Node process keeps in memory and a fleet of isolates must share (one object per deployment):
 * - TMAI quotes, in the object's durable storage until their payment window closes (they survive the object being
 *   evicted, so a payer who signed for a quoted amount is honoured whichever isolate it reaches);
 * - the admin rate-limit buckets, in memory (like a Node process's, they restart empty if the object is evicted).
 */
export class SharedState extends DurableObject<WorkerBindings> {
  private readonly limiters = new Map<string, RateLimiter>()

  takeRateToken(scope: string, perMinute: number, id: string): RateLimitDecision {
    const name = `${scope}:${perMinute}`
    let limiter = this.limiters.get(name)
    if (!limiter) {
      limiter = new RateLimiter(perMinute)
      this.limiters.set(name, limiter)
    }
    return limiter.take(id)
  }

  async rememberQuote(quote: TmaiQuote): Promise<void> {
    const key = QUOTE_PREFIX + quoteKey(quote.route, quote.amountAtomic)
    const stored = await this.ctx.storage.get<TmaiQuote>(key)
    // Keep the latest window: a quote for the same amount never shortens an earlier one.
    if (!stored || stored.expiresAt < quote.expiresAt) await this.ctx.storage.put(key, quote)
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS)
  }

  async findQuote(route: string, amountAtomic: bigint, now: number): Promise<TmaiQuote | undefined> {
    const quote = await this.ctx.storage.get<TmaiQuote>(QUOTE_PREFIX + quoteKey(route, amountAtomic))
    return quote && quote.expiresAt >= now ? quote : undefined
  }

  /** Deletes expired quotes, so storage holds only what can still be paid; re-arms while any remain. */
  override async alarm(): Promise<void> {
    const now = Date.now()
    const quotes = await this.ctx.storage.list<TmaiQuote>({ prefix: QUOTE_PREFIX })
    const expired = [...quotes].filter(([, quote]) => quote.expiresAt < now).map(([key]) => key)
    for (let i = 0; i < expired.length; i += 128) await this.ctx.storage.delete(expired.slice(i, i + 128))
    if (quotes.size > expired.length) await this.ctx.storage.setAlarm(now + SWEEP_EVERY_MS)
  }
}
