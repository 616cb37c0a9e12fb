import { z } from 'zod'
import { ApiError } from '../../http/errors'
import { DateRange, dateOrderOk, Limit, Page, requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'

const HourlyItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  TIMESTAMP: z.string(),
  OPEN: z.number(),
  HIGH: z.number(),
  LOW: z.number(),
  CLOSE: z.number(),
  VOLUME: z.number(),
})

export const hourlyOhlcvEndpoint = defineEndpoint({
  path: '/v1/hourly-ohlcv',
  tier: 'tier1',
  summary: 'Hourly OHLCV',
  description:
    'Hourly open/high/low/close and USD volume for symbol=ETH (comma list allowed), bars keyed by their UTC open ' +
    'time, optionally between startDate and endDate (YYYY-MM-DD, inclusive days); newest `limit` bars per page, ascending.',
  input: requireSymbol(
    z.object({ ...SymbolSelector, ...DateRange, limit: Limit, page: Page }).refine(dateOrderOk, {
      message: 'startDate must not be after endDate',
      path: ['startDate'],
    }),
  ),
  output: HourlyItem,
  examples: {
    ok: { symbol: 'BTC', limit: '48' },
    badParameter: { query: { symbol: 'BTC', startDate: '2026-02-30' }, parameter: 'startDate' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology: 'Stored hourly bars; TIMESTAMP is the bar open (UTC). VOLUME is quote-currency USD notional.',
  async handle(input, { market }) {
    const { bySymbol } = await market.tokens()
    const data: z.infer<typeof HourlyItem>[] = []
    for (const symbol of symbolsFrom(input)) {
      const candles = await market.candles({
        symbol,
        interval: '1h',
        from: input.startDate ? `${input.startDate}T00:00:00Z` : undefined,
        to: input.endDate ? `${input.endDate}T23:00:00Z` : undefined,
        limit: input.limit,
        offset: (input.page - 1) * input.limit,
      })
      if (candles.length === 0 && !(await market.latest(symbol, '1h'))) {
        throw new ApiError('unknownSymbol', `no hourly data for symbol ${symbol}`, {
          parameter: 'symbol',
          symbol,
        })
      }
      const name = bySymbol.get(symbol)?.name ?? symbol
      for (const c of candles) {
        data.push({
          TOKEN_ID: symbol,
          TOKEN_NAME: name,
          TOKEN_SYMBOL: symbol,
          TIMESTAMP: c.time,
          OPEN: c.open,
          HIGH: c.high,
          LOW: c.low,
          CLOSE: c.close,
          VOLUME: c.volume,
        })
      }
    }
    return { data }
  },
})
