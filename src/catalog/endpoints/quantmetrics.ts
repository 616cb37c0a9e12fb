import { z } from 'zod'
import { computeQuantMetrics, type QuantMetrics } from '../../analytics/quant-metrics'
import { requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'
import {
  BENCHMARK_SYMBOL,
  dailyUniverse,
  insufficientHistoryMessage,
  perSymbol,
  requireCandles,
} from '../universe'

/** The QuantMetrics fields in TM-style names (also the `RISK.METRICS` of /v1/token-report). */
export const QuantMetricsFields = z.object({
  START_DATE: z.string(),
  DATE: z.string(),
  OBSERVATIONS: z.number().int(),
  TOTAL_RETURN: z.number(),
  CAGR: z.number(),
  CAGR_ANNUALISED: z.boolean(),
  DAILY_RETURN_AVG: z.number(),
  DAILY_RETURN_STD: z.number(),
  VOLATILITY: z.number(),
  SHARPE: z.number().nullable(),
  SORTINO: z.number().nullable(),
  MAX_DRAWDOWN: z.number().max(0),
  CALMAR: z.number().nullable(),
  DAILY_VALUE_AT_RISK: z.number(),
  DAILY_CONDITIONAL_VALUE_AT_RISK: z.number(),
  VAR_TAIL_PROBABILITY: z.number(),
  BETA: z.number().nullable(),
  BETA_BENCHMARK: z.string(),
  BETA_OBSERVATIONS: z.number().int(),
  SKEW: z.number().nullable(),
  KURTOSIS: z.number().nullable(),
  TAIL_RATIO: z.number().nullable(),
  PROFIT_FACTOR: z.number().nullable(),
})

export const quantMetricsFields = (q: QuantMetrics): z.infer<typeof QuantMetricsFields> => ({
  START_DATE: q.startDate,
  DATE: q.endDate,
  OBSERVATIONS: q.observations,
  TOTAL_RETURN: q.totalReturn,
  CAGR: q.cagr,
  CAGR_ANNUALISED: q.cagrAnnualised,
  DAILY_RETURN_AVG: q.meanDailyReturn,
  DAILY_RETURN_STD: q.dailyVolatility,
  VOLATILITY: q.volatility,
  SHARPE: q.sharpe,
  SORTINO: q.sortino,
  MAX_DRAWDOWN: q.maxDrawdown,
  CALMAR: q.calmar,
  DAILY_VALUE_AT_RISK: q.valueAtRisk,
  DAILY_CONDITIONAL_VALUE_AT_RISK: q.conditionalValueAtRisk,
  VAR_TAIL_PROBABILITY: q.tailProbability,
  BETA: q.beta,
  BETA_BENCHMARK: BENCHMARK_SYMBOL,
  BETA_OBSERVATIONS: q.betaObservations,
  SKEW: q.skewness,
  KURTOSIS: q.excessKurtosis,
  TAIL_RATIO: q.tailRatio,
  PROFIT_FACTOR: q.profitFactor,
})

const QuantItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  WINDOW_DAYS: z.union([z.number().int(), z.literal('all')]),
  ...QuantMetricsFields.shape,
})

export const quantmetricsEndpoint = defineEndpoint({
  path: '/v1/quantmetrics',
  tier: 'tier3',
  summary: 'Risk/return statistics per asset',
  description:
    'Quant metrics of each asset (symbol=BTC,ETH comma list) over the last `days` calendar days (default 365, ' +
    '2–3650, or days=all) ending at its last bar, from simple daily returns annualised over 365 days with a 0% ' +
    'risk-free rate: TOTAL_RETURN, CAGR (annualised only for windows of 365 days or more; below that it is ' +
    'the period return and CAGR_ANNUALISED is false), VOLATILITY, DAILY_RETURN_AVG/STD, SHARPE, SORTINO, ' +
    'MAX_DRAWDOWN (≤ 0), CALMAR (CAGR / |MAX_DRAWDOWN|), 95% 1-day historical DAILY_VALUE_AT_RISK and ' +
    'DAILY_CONDITIONAL_VALUE_AT_RISK (the expected shortfall of exactly the worst 5% of days; returns, a loss is ' +
    'negative), BETA to BTC, SKEW, KURTOSIS (excess), TAIL_RATIO, PROFIT_FACTOR. Fractions, not percent; null ' +
    'where undefined. Assets with fewer than 2 returns in the window are left out of data and named in the ' +
    'message; when none is left, 404 `no_data` and nothing is charged.',
  input: requireSymbol(
    z.object({
      ...SymbolSelector,
      days: z.union([z.literal('all'), z.coerce.number().int().min(2).max(3650)]).default(365),
    }),
  ),
  output: QuantItem,
  examples: {
    ok: { symbol: 'BTC,ETH,SOL', days: '365' },
    badParameter: { query: { symbol: 'ETH', days: 'forever' }, parameter: 'days' },
    unknownSymbol: { symbol: 'ETH,NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Simple daily returns, 365-day annualisation (CAGR only from a year on), rf 0, type-7 quantiles, beta vs BTC; full precision (docs/methodology.md §Q1).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const symbols = symbolsFrom(input)
    for (const symbol of symbols) requireCandles(universe, symbol)
    const benchmark = universe.candles[BENCHMARK_SYMBOL]
    const { data, tooShort } = perSymbol(
      symbols,
      (symbol) => computeQuantMetrics(universe.candles[symbol]!, { days: input.days, benchmark }),
      (symbol, q) => ({
        TOKEN_ID: symbol,
        TOKEN_NAME: universe.meta.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        WINDOW_DAYS: input.days,
        ...quantMetricsFields(q),
      }),
    )
    return {
      data,
      message: insufficientHistoryMessage(tooShort, 'fewer than 2 daily returns in the window'),
      meta: tooShort.length > 0 ? { insufficientHistory: tooShort } : undefined,
    }
  },
})
