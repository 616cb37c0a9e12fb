import { dailyOhlcvEndpoint } from './endpoints/daily-ohlcv'
import { hourlyOhlcvEndpoint } from './endpoints/hourly-ohlcv'
import { priceEndpoint } from './endpoints/price'
import { tokensEndpoint } from './endpoints/tokens'
import { topMarketCapTokensEndpoint } from './endpoints/top-market-cap-tokens'
import type { Endpoint } from './types'

/** THE list of endpoints. Routing, prices, 402 offers and discovery all derive from it. */
export const catalog: readonly Endpoint[] = [
  tokensEndpoint,
  priceEndpoint,
  topMarketCapTokensEndpoint,
  dailyOhlcvEndpoint,
  hourlyOhlcvEndpoint,
]
