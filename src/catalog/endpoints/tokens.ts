import { z } from 'zod'
import { Category, Limit, Page, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'

const TokenItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  CATEGORY: z.string().nullable(),
  SUBCATEGORY: z.string().nullable(),
  HOME_CHAIN: z.string().nullable(),
  COINGECKO_ID: z.string().nullable(),
})

export const tokensEndpoint = defineEndpoint({
  path: '/v1/tokens',
  tier: 'free',
  summary: 'Tokens we cover',
  description: 'The token universe with ids (our token_id is the symbol), names and categories. Free.',
  input: z.object({
    ...SymbolSelector,
    category: Category.optional(),
    limit: Limit.default(100),
    page: Page,
  }),
  output: TokenItem,
  examples: { ok: { limit: '10' }, badParameter: { query: { limit: '0' }, parameter: 'limit' } },
  requiresMarketData: false,
  async handle(input, { market }) {
    const wanted = new Set(symbolsFrom(input))
    const category = input.category?.toLowerCase()
    const { tokens } = await market.tokens()
    const matching = tokens.filter(
      (t) =>
        (wanted.size === 0 || wanted.has(t.symbol)) && (!category || t.category?.toLowerCase() === category),
    )
    const page = matching.slice((input.page - 1) * input.limit, input.page * input.limit)
    return {
      data: page.map((t) => ({
        TOKEN_ID: t.symbol,
        TOKEN_NAME: t.name,
        TOKEN_SYMBOL: t.symbol,
        CATEGORY: t.category,
        SUBCATEGORY: t.subcategory,
        HOME_CHAIN: t.homeChain,
        COINGECKO_ID: t.coingeckoId,
      })),
      meta: { total: matching.length, page: input.page, limit: input.limit },
    }
  },
})
