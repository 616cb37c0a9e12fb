import { z } from 'zod'
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
    'Tokens ranked by the market cap of their latest daily bar (top_k, default 50, max 100; page). Free.',
  input: z.object({ top_k: z.coerce.number().int().min(1).max(100).default(50), page: Page }),
  output: TopItem,
  examples: { ok: { top_k: '10' }, badParameter: { query: { top_k: '101' }, parameter: 'top_k' } },
  requiresMarketData: true,
  methodology:
    'Rank by MARKET_CAP of each token’s most recent daily bar that has one; tokens without a market cap are left out.',
  async handle(input, { market }) {
    const [universe, { bySymbol }] = await Promise.all([market.allCandles('1d'), market.tokens()])
    const ranked = [...universe.entries()]
      .map(([symbol, candles]) => {
        const latest = candles.at(-1)
        const withCap = [...candles].reverse().find((c) => c.marketCap !== null)
        return latest && withCap ? { symbol, latest, marketCap: withCap.marketCap as number } : undefined
      })
      .filter((row) => row !== undefined)
      .sort((a, b) => b.marketCap - a.marketCap)
    const start = (input.page - 1) * input.top_k
    return {
      data: ranked.slice(start, start + input.top_k).map((row, i) => ({
        RANK: start + i + 1,
        TOKEN_ID: row.symbol,
        TOKEN_NAME: bySymbol.get(row.symbol)?.name ?? row.symbol,
        TOKEN_SYMBOL: row.symbol,
        CATEGORY: bySymbol.get(row.symbol)?.category ?? null,
        CURRENT_PRICE: row.latest.close,
        MARKET_CAP: row.marketCap,
        VOLUME_24H: row.latest.volume,
        DATE: row.latest.time,
      })),
      meta: { total: ranked.length },
    }
  },
})
