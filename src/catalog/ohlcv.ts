import { z } from 'zod'
import type { Candle, Interval } from '../lib/candle'
import { ApiError } from '../lib/errors'
import type { MarketStore } from '../market-data/store'
import { DateRange, dateOrderOk, Limit, Page, requireSymbol, SymbolSelector, symbolsFrom } from './params'

/** Query of both OHLCV endpoints: symbols, an optional date range, newest `limit` bars per page. */
export const OhlcvInput = requireSymbol(
  z.object({ ...SymbolSelector, ...DateRange, limit: Limit, page: Page }).refine(dateOrderOk, {
    message: 'startDate must not be after endDate',
    path: ['startDate'],
  }),
)
export type OhlcvInput = z.infer<typeof OhlcvInput>

/**
 * The requested page of bars for each symbol (date range inclusive; hourly ranges cover whole UTC days). A symbol we
 * hold no bars of at this interval is a 404 naming it.
 */
export async function ohlcvPages(market: MarketStore, input: OhlcvInput, interval: Interval) {
  const { bySymbol } = await market.tokens()
  const [fromSuffix, toSuffix] = interval === '1d' ? ['', ''] : ['T00:00:00Z', 'T23:00:00Z']
  const pages: { symbol: string; name: string; candles: Candle[] }[] = []
  for (const symbol of symbolsFrom(input)) {
    const candles = await market.candles({
      symbol,
      interval,
      from: input.startDate ? `${input.startDate}${fromSuffix}` : undefined,
      to: input.endDate ? `${input.endDate}${toSuffix}` : undefined,
      limit: input.limit,
      offset: (input.page - 1) * input.limit,
    })
    if (candles.length === 0 && !(await market.latest(symbol, interval))) {
      const what = interval === '1d' ? 'market data' : 'hourly data'
      throw new ApiError('unknownSymbol', `no ${what} for symbol ${symbol}`, { parameter: 'symbol', symbol })
    }
    pages.push({ symbol, name: bySymbol.get(symbol)?.name ?? symbol, candles })
  }
  return pages
}
