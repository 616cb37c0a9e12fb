import { correlationEndpoint } from './endpoints/correlation'
import { dailyOhlcvEndpoint } from './endpoints/daily-ohlcv'
import { hourlyOhlcvEndpoint } from './endpoints/hourly-ohlcv'
import { hourlyTradingSignalsEndpoint } from './endpoints/hourly-trading-signals'
import { indicesEndpoint } from './endpoints/indices'
import { indicesHoldingsEndpoint } from './endpoints/indices-holdings'
import { indicesPerformanceEndpoint } from './endpoints/indices-performance'
import { investorGradesEndpoint } from './endpoints/investor-grades'
import { marketMetricsEndpoint } from './endpoints/market-metrics'
import { marketSentimentEndpoint } from './endpoints/market-sentiment'
import { moonshotTokensEndpoint } from './endpoints/moonshot-tokens'
import { priceEndpoint } from './endpoints/price'
import { pricePredictionEndpoint } from './endpoints/price-prediction'
import { quantmetricsEndpoint } from './endpoints/quantmetrics'
import { resistanceSupportEndpoint } from './endpoints/resistance-support'
import { tokenReportEndpoint } from './endpoints/token-report'
import { tokensEndpoint } from './endpoints/tokens'
import { topMarketCapTokensEndpoint } from './endpoints/top-market-cap-tokens'
import { traderGradesEndpoint } from './endpoints/trader-grades'
import { tradingSignalsEndpoint } from './endpoints/trading-signals'
import type { Endpoint } from './types'

/** THE list of endpoints. Routing, prices, 402 offers and discovery all derive from it. */
export const catalog: readonly Endpoint[] = [
  tokensEndpoint,
  priceEndpoint,
  topMarketCapTokensEndpoint,
  dailyOhlcvEndpoint,
  hourlyOhlcvEndpoint,
  tradingSignalsEndpoint,
  traderGradesEndpoint,
  investorGradesEndpoint,
  marketSentimentEndpoint,
  hourlyTradingSignalsEndpoint,
  resistanceSupportEndpoint,
  marketMetricsEndpoint,
  indicesEndpoint,
  indicesHoldingsEndpoint,
  indicesPerformanceEndpoint,
  correlationEndpoint,
  quantmetricsEndpoint,
  pricePredictionEndpoint,
  moonshotTokensEndpoint,
  tokenReportEndpoint,
]
