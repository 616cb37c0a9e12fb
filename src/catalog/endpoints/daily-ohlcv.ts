import { z } from 'zod'
import { OhlcvInput, ohlcvPages } from '../ohlcv'
import { defineEndpoint } from '../types'

const OhlcvItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  OPEN: z.number(),
  HIGH: z.number(),
  LOW: z.number(),
  CLOSE: z.number(),
  VOLUME: z.number(),
  MARKET_CAP: z.number().nullable(),
})

export const dailyOhlcvEndpoint = defineEndpoint({
  path: '/v1/daily-ohlcv',
  tier: 'tier1',
  summary: 'Daily OHLCV',
  description:
    'Daily open/high/low/close, USD volume and market cap per UTC day for symbol=ETH (comma list allowed), ' +
    'optionally between startDate and endDate (YYYY-MM-DD); newest `limit` bars per page, ascending.',
  input: OhlcvInput,
  output: OhlcvItem,
  examples: {
    ok: { symbol: 'ETH', startDate: '2026-01-01', endDate: '2026-03-18', limit: '30' },
    badParameter: { query: { symbol: 'ETH', limit: '500' }, parameter: 'limit' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Stored daily bars (UTC days). VOLUME is quote-currency USD notional. No resampling or filling.',
  async handle(input, { market }) {
    const pages = await ohlcvPages(market, input, '1d')
    return {
      data: pages.flatMap(({ symbol, name, candles }) =>
        candles.map((c) => ({
          TOKEN_ID: symbol,
          TOKEN_NAME: name,
          TOKEN_SYMBOL: symbol,
          DATE: c.time,
          OPEN: c.open,
          HIGH: c.high,
          LOW: c.low,
          CLOSE: c.close,
          VOLUME: c.volume,
          MARKET_CAP: c.marketCap,
        })),
      ),
    }
  },
})
