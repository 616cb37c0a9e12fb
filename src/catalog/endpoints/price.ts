import { z } from 'zod'
import { ApiError } from '../../lib/errors'
import { requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'

const PriceItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  CURRENT_PRICE: z.number(),
  DATE: z.string(),
})

export const priceEndpoint = defineEndpoint({
  path: '/v1/price',
  tier: 'free',
  summary: 'Latest price',
  description: 'The latest stored daily close for one or more symbols (symbol=BTC,ETH). Free.',
  input: requireSymbol(z.object(SymbolSelector)),
  output: PriceItem,
  examples: {
    ok: { symbol: 'BTC,ETH' },
    badParameter: { query: {}, parameter: 'symbol' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology: 'CURRENT_PRICE is the close of the most recent stored daily bar; DATE is that bar’s UTC day.',
  async handle(input, { market }) {
    const { bySymbol } = await market.tokens()
    const symbols = symbolsFrom(input)
    const data = []
    for (const symbol of symbols) {
      const latest = await market.latest(symbol)
      if (!latest)
        throw new ApiError('unknownSymbol', `no market data for symbol ${symbol}`, {
          parameter: 'symbol',
          symbol,
        })
      data.push({
        TOKEN_ID: symbol,
        TOKEN_NAME: bySymbol.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        CURRENT_PRICE: latest.close,
        DATE: latest.time,
      })
    }
    return { data }
  },
})
