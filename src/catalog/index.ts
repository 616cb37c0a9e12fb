import { correlationEndpoint } from './endpoints/correlation'
import { dailyOhlcvEndpoint } from './endpoints/daily-ohlcv'
import { hourlyOhlcvEndpoint } from './endpoints/hourly-ohlcv'
import { indicesEndpoint } from './endpoints/indices'
import { indicesHoldingsEndpoint } from './endpoints/indices-holdings'
import { indicesPerformanceEndpoint } from './endpoints/indices-performance'
import { marketMetricsEndpoint } from './endpoints/market-metrics'
import { priceEndpoint } from './endpoints/price'
import { pricePredictionEndpoint } from './endpoints/price-prediction'
import { quantmetricsEndpoint } from './endpoints/quantmetrics'
import { tokenReportEndpoint } from './endpoints/token-report'
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
  marketMetricsEndpoint,
  indicesEndpoint,
  indicesHoldingsEndpoint,
  indicesPerformanceEndpoint,
  correlationEndpoint,
  quantmetricsEndpoint,
  pricePredictionEndpoint,
  tokenReportEndpoint,
]
