import { messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'
import type { RateLimitDecision, RateLimitPort } from '../lib/rate-limit'
import { type QuoteStore, quoteKey, type TmaiQuote } from '../pricing/tmai-offers'

/** The SharedState object as its clients call it over Workers RPC. */
export interface SharedStateEndpoint {
  takeRateToken(scope: string, perMinute: number, id: string): Promise<RateLimitDecision>
  rememberQuote(quote: TmaiQuote): Promise<void>
  findQuote(route: string, amountAtomic: bigint, now: number): Promise<TmaiQuote | undefined>
}

/**
 * TMAI quotes kept in the SharedState object. Every 402 quotes again, so to spare a round trip per challenge each
 * stored quote's window is stretched by `slackMs` and this isolate writes again only once the window it last stored
 * no longer covers the new quote's: every quote handed out stays honoured to its end (at most `slackMs` longer).
 */
export function sharedQuoteStore(
  endpoint: () => SharedStateEndpoint,
  logger: Logger,
  slackMs = 15_000,
): QuoteStore {
  const storedUntil = new Map<string, number>()
  return {
    async remember(quote) {
      const key = quoteKey(quote.route, quote.amountAtomic)
      if ((storedUntil.get(key) ?? 0) >= quote.expiresAt) return
      const stretched = { ...quote, expiresAt: quote.expiresAt + slackMs }
      // The object being unreachable must not turn every 402 into a 500: the quote is still offered, and honoured
      // later as long as the rate has not moved (then it is simply a current offer again).
      const stored = await endpoint()
        .rememberQuote(stretched)
        .then(
          () => true,
          (error: unknown) => {
            logger.warn('TMAI quote not stored in SharedState', { error: messageOf(error) })
            return false
          },
        )
      if (!stored) return
      storedUntil.delete(key)
      storedUntil.set(key, stretched.expiresAt)
      // Bounded: only the most recent keys are remembered (a forgotten key costs one more write, nothing else).
      if (storedUntil.size > 1_000) storedUntil.delete(storedUntil.keys().next().value as string)
    },
    // Unreachable: no earlier quote is known, so the payment is refused uncharged with a fresh challenge.
    find: (route, amountAtomic, now) =>
      endpoint()
        .findQuote(route, amountAtomic, now)
        .catch((error: unknown) => {
          logger.warn('TMAI quote lookup in SharedState failed', { error: messageOf(error) })
          return undefined
        }),
  }
}

/** Admin rate limits counted in the SharedState object, so the budget holds across every isolate. */
export function sharedRateLimiter(
  endpoint: () => SharedStateEndpoint,
  scope: string,
  perMinute: number,
): RateLimitPort {
  return { take: (id) => endpoint().takeRateToken(scope, perMinute, id) }
}
