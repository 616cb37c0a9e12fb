import type { AssetConfig } from '../config/networks'
import type { UsdMicros } from '../lib/money'
import { quoteTokenAmount } from './quote'

/** A TMAI/USD rate usable for quoting, or why there is none (then TMAI is simply not offered). */
export type TmaiRateResult =
  | { ok: true; usd: string; observedAt: number; source: string }
  | { ok: false; reason: string; message: string }

export interface TmaiRateFeed {
  current(): Promise<TmaiRateResult>
}

export interface TmaiQuote {
  route: string
  amountAtomic: bigint
  /** What the payment is worth after the discount (what spend limits count). */
  usdMicros: UsdMicros
  discount: string
  rateUsd: string
  source: string
  observedAt: number
  /** ms epoch: a payment for exactly this amount on this route is accepted until then, whatever the rate does. */
  expiresAt: number
}

export type QuoteResult = { ok: true; quote: TmaiQuote } | { ok: false; reason: string; message: string }

/**
 * Where quotes are remembered until their payment window closes. One process keeps them in memory
 * ({@link MemoryQuoteStore}); a fleet (Workers isolates) needs a store every instance sees, or a quote made by one
 * instance would be unknown to the next.
 */
export interface QuoteStore {
  remember(quote: TmaiQuote): Promise<void>
  /** The quote for exactly this route and amount, if it is still valid at `now` (ms). */
  find(route: string, amountAtomic: bigint, now: number): Promise<TmaiQuote | undefined>
}

export const quoteKey = (route: string, amountAtomic: bigint) => `${route}|${amountAtomic}`

/** Quotes in this process's memory, bounded: the oldest are dropped beyond `maxQuotes`. */
export class MemoryQuoteStore implements QuoteStore {
  private readonly quotes = new Map<string, TmaiQuote>()

  constructor(private readonly maxQuotes = 10_000) {}

  get size(): number {
    return this.quotes.size
  }

  async remember(quote: TmaiQuote): Promise<void> {
    const key = quoteKey(quote.route, quote.amountAtomic)
    this.quotes.delete(key)
    this.quotes.set(key, quote)
    while (this.quotes.size > this.maxQuotes) {
      const oldest = this.quotes.keys().next().value
      if (oldest === undefined) break
      this.quotes.delete(oldest)
    }
  }

  async find(route: string, amountAtomic: bigint, now: number): Promise<TmaiQuote | undefined> {
    const quote = this.quotes.get(quoteKey(route, amountAtomic))
    return quote && quote.expiresAt >= now ? quote : undefined
  }
}

/**
 * Quotes TMAI for a route's USD price and remembers every quote until its payment window closes, so a payer who
 * signed for a quoted amount is not refused because the rate moved meanwhile. Anything we never quoted is refused.
 */
export class TmaiQuoteBook {
  private readonly store: QuoteStore
  /** The last amount computed per route and price, with the reading it was computed from (bigint maths once per reading). */
  private readonly priced = new Map<string, { rate: string; amountAtomic: bigint; usdMicros: UsdMicros }>()

  constructor(
    private readonly feed: TmaiRateFeed,
    private readonly options: {
      tmai: AssetConfig
      discount: string
      maxQuotes?: number
      now?: () => number
      /** Where quotes are kept (default: this process's memory, bounded by `maxQuotes`). */
      store?: QuoteStore
    },
  ) {
    this.store = options.store ?? new MemoryQuoteStore(options.maxQuotes)
  }

  /** Quotes and remembers the quote, so a payment for exactly this amount on this route is honoured until expiry. */
  async quote(route: string, usdPrice: string, maxTimeoutSeconds: number): Promise<QuoteResult> {
    const result = await this.price(route, usdPrice, maxTimeoutSeconds)
    if (result.ok) await this.store.remember(result.quote)
    return result
  }

  /** What a quote would be now, without recording it (for displaying prices, not for offering them). */
  async price(route: string, usdPrice: string, maxTimeoutSeconds: number): Promise<QuoteResult> {
    const rate = await this.feed.current()
    if (!rate.ok) return rate
    const now = (this.options.now ?? Date.now)()
    const { amountAtomic, usdMicros } = this.amountsAt(route, usdPrice, rate.usd)
    const quote: TmaiQuote = {
      route,
      amountAtomic,
      usdMicros,
      discount: this.options.discount,
      rateUsd: rate.usd,
      source: rate.source,
      observedAt: rate.observedAt,
      expiresAt: now + maxTimeoutSeconds * 1000,
    }
    return { ok: true, quote }
  }

  /** The exact amounts for a price at a rate, reused while the rate reading stays the same. */
  private amountsAt(route: string, usdPrice: string, rateUsd: string) {
    const key = `${route}|${usdPrice}`
    const last = this.priced.get(key)
    if (last?.rate === rateUsd) return last
    const amounts = {
      rate: rateUsd,
      amountAtomic: quoteTokenAmount({
        usdPrice,
        discount: this.options.discount,
        tokenUsd: rateUsd,
        decimals: this.options.tmai.decimals,
      }),
      usdMicros: discountedUsdMicros(usdPrice, this.options.discount),
    }
    // One entry per route and price: bounded by the catalog, not by traffic.
    this.priced.set(key, amounts)
    return amounts
  }

  /** A still-valid quote we made for exactly this route and amount. */
  find(route: string, amountAtomic: bigint): Promise<TmaiQuote | undefined> {
    return this.store.find(route, amountAtomic, this.now())
  }

  private now(): number {
    return (this.options.now ?? Date.now)()
  }
}

/** USD price × (1 − discount) in micro-dollars, rounded up: the same exact quote maths with USD as a 6-decimal token. */
export function discountedUsdMicros(usdPrice: string, discount: string): UsdMicros {
  return quoteTokenAmount({ usdPrice, discount, tokenUsd: '1', decimals: 6 })
}
