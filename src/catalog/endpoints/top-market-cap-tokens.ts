import { z } from 'zod'
import { latestTime } from '../../analytics/universe'
import type { Candle } from '../../lib/candle'
import { Page } from '../params'
import { defineEndpoint } from '../types'

const TopItem = z.object({
  RANK: z.number().int(),
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  CATEGORY: z.string().nullable(),
  CURRENT_PRICE: z.number(),
  MARKET_CAP: z.number(),
  VOLUME_24H: z.number(),
  DATE: z.string(),
})

export const topMarketCapTokensEndpoint = defineEndpoint({
  path: '/v1/top-market-cap-tokens',
  tier: 'free',
  summary: 'Largest tokens by market cap',
  description:
    'Tokens ranked by market cap on the latest day of the data (top_k, default 50, max 100; page): CURRENT_PRICE, ' +
    'MARKET_CAP and VOLUME_24H all come from that day’s bar. Tokens without a market cap estimate that day (no ' +
    'bar, or a cap estimate that stopped earlier) are left out and named in the message and meta.withoutMarketCap. ' +
    'Free.',
  input: z.object({ top_k: z.coerce.number().int().min(1).max(100).default(50), page: Page }),
  output: TopItem,
  examples: { ok: { top_k: '10' }, badParameter: { query: { top_k: '101' }, parameter: 'top_k' } },
  requiresMarketData: true,
  methodology:
    'Rank by the MARKET_CAP of each token’s bar on the latest day of the data; a cap from an earlier day is never mixed with today’s prices.',
  async handle(input, { market }) {
    const [universe, { bySymbol }] = await Promise.all([market.allCandles('1d'), market.tokens()])
    const date = latestTime(Object.fromEntries(universe))
    const ranked: { symbol: string; bar: Candle & { marketCap: number } }[] = []
    const withoutMarketCap: string[] = []
    for (const [symbol, candles] of universe) {
      const bar = candles.at(-1)
      if (bar && bar.time === date && bar.marketCap !== null && bar.marketCap > 0) {
        ranked.push({ symbol, bar: { ...bar, marketCap: bar.marketCap } })
      } else if (bar) withoutMarketCap.push(symbol)
    }
    ranked.sort((a, b) => b.bar.marketCap - a.bar.marketCap || a.symbol.localeCompare(b.symbol))
    withoutMarketCap.sort()
    const start = (input.page - 1) * input.top_k
    return {
      data: ranked.slice(start, start + input.top_k).map(({ symbol, bar }, i) => ({
        RANK: start + i + 1,
        TOKEN_ID: symbol,
        TOKEN_NAME: bySymbol.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        CATEGORY: bySymbol.get(symbol)?.category ?? null,
        CURRENT_PRICE: bar.close,
        MARKET_CAP: bar.marketCap,
        VOLUME_24H: bar.volume,
        DATE: bar.time,
      })),
      message:
        withoutMarketCap.length > 0
          ? `no market cap estimate on ${date} for ${withoutMarketCap.join(', ')}; left out of the ranking`
          : undefined,
      meta: { total: ranked.length, ...(withoutMarketCap.length > 0 ? { withoutMarketCap } : {}) },
    }
  },
})
