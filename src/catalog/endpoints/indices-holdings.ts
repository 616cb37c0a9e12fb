import { z } from 'zod'
import { IndexId } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, requireIndex } from '../universe'

const HoldingItem = z.object({
  INDEX_ID: z.string(),
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  CATEGORY: z.string().nullable(),
  WEIGHT: z.number(),
  REBALANCE_WEIGHT: z.number(),
  MARKET_CAP: z.number().nullable(),
  PRICE: z.number(),
  PRICE_DATE: z.string(),
  DATE: z.string(),
  LAST_REBALANCE: z.string(),
})

export const indicesHoldingsEndpoint = defineEndpoint({
  path: '/v1/indices-holdings',
  tier: 'tier2',
  summary: 'Holdings of one index',
  description:
    'The constituents of one index (index=top10, required; ids from /v1/indices) as of the latest close, by ' +
    'WEIGHT descending: WEIGHT is the current weight after drifting with prices since the last monthly rebalance, ' +
    'REBALANCE_WEIGHT the weight set at LAST_REBALANCE (each column sums to 1), with MARKET_CAP on DATE (USD, null ' +
    'when the asset has no cap estimate that day) and PRICE, the latest close, dated PRICE_DATE (earlier than DATE ' +
    'only for a constituent that stopped trading, whose close the index carries forward). An unknown index id is ' +
    'a 404.',
  input: z.object({ index: IndexId }),
  output: HoldingItem,
  examples: {
    ok: { index: 'top10' },
    badParameter: { query: {}, parameter: 'index' },
    unknownSymbol: { index: 'nope' },
  },
  requiresMarketData: true,
  methodology:
    'Weights w_i = cap_i / Σ cap at the last rebalance, drifted by price since; full precision (docs/methodology.md §Q3).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const index = requireIndex(universe, input.index)
    return {
      data: index.holdings.map((h) => ({
        INDEX_ID: index.id,
        TOKEN_ID: h.symbol,
        TOKEN_NAME: h.name ?? h.symbol,
        TOKEN_SYMBOL: h.symbol,
        CATEGORY: h.category,
        WEIGHT: h.weight,
        REBALANCE_WEIGHT: h.rebalanceWeight,
        MARKET_CAP: h.marketCap,
        PRICE: h.price,
        PRICE_DATE: h.priceDate,
        DATE: index.endDate,
        LAST_REBALANCE: index.lastRebalance,
      })),
      meta: { index: index.id, name: index.name, coins: index.holdings.length },
    }
  },
})
