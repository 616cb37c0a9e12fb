import { z } from 'zod'
import { OhlcvInput, ohlcvPages } from '../ohlcv'
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
  input: OhlcvInput,
  output: HourlyItem,
  examples: {
    ok: { symbol: 'BTC', limit: '48' },
    badParameter: { query: { symbol: 'BTC', startDate: '2026-02-30' }, parameter: 'startDate' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology: 'Stored hourly bars; TIMESTAMP is the bar open (UTC). VOLUME is quote-currency USD notional.',
  async handle(input, { market }) {
    const pages = await ohlcvPages(market, input, '1h')
    return {
      data: pages.flatMap(({ symbol, name, candles }) =>
        candles.map((c) => ({
          TOKEN_ID: symbol,
          TOKEN_NAME: name,
          TOKEN_SYMBOL: symbol,
          TIMESTAMP: c.time,
          OPEN: c.open,
          HIGH: c.high,
          LOW: c.low,
          CLOSE: c.close,
          VOLUME: c.volume,
        })),
      ),
    }
  },
})
