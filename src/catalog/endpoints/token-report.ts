import { z } from 'zod'
import type { CorrelationEntry } from '../../analytics/correlation'
import { buildTokenReport, type TechnicalInputs } from '../../analytics/token-report'
import { latestTraderGrade } from '../../analytics/trader-grade'
import { latestTradingSignal } from '../../analytics/trading-signal'
import type { Candle } from '../../lib/candle'
import { requireOneSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'
import { BENCHMARK_SYMBOL, dailyUniverse, requireCandles } from '../universe'
import { QuantMetricsFields, quantMetricsFields } from './quantmetrics'

const Correlated = z.object({
  TOKEN_SYMBOL: z.string(),
  CORRELATION: z.number(),
  OBSERVATIONS: z.number().int(),
})

const ReportItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  OVERVIEW: z.object({
    NAME: z.string(),
    CATEGORY: z.string(),
    PRICE: z.number(),
    MARKET_CAP: z.number().nullable(),
    MARKET_CAP_RANK: z.number().int().nullable(),
    RANKED_ASSETS: z.number().int().nullable(),
    SUMMARY: z.string(),
  }),
  PERFORMANCE: z.object({
    RETURN_7D: z.number().nullable(),
    RETURN_30D: z.number().nullable(),
    RETURN_90D: z.number().nullable(),
    RETURN_365D: z.number().nullable(),
    SUMMARY: z.string(),
  }),
  RISK: z.object({
    WINDOW_DAYS: z.number().int(),
    METRICS: QuantMetricsFields.nullable(),
    SUMMARY: z.string(),
  }),
  CORRELATION: z.object({
    DAYS: z.number().int().nullable(),
    DATE: z.string().nullable(),
    MOST_CORRELATED: z.array(Correlated),
    LEAST_CORRELATED: z.array(Correlated),
    SUMMARY: z.string(),
  }),
  SCENARIO: z.object({
    DATE: z.string().nullable(),
    SUPPLY_DATE: z.string().nullable(),
    BASE_SHARE: z.number().nullable(),
    BASE_CASE: z.array(
      z.object({ TOTAL_MARKET_CAP: z.number(), PREDICTED_PRICE: z.number(), PREDICTED_ROI: z.number() }),
    ),
    SUMMARY: z.string(),
  }),
  TECHNICAL: z
    .object({
      TRADING_SIGNAL: z.number().int().nullable(),
      LAST_SIGNAL_CHANGE: z.string().nullable(),
      TRADER_GRADE: z.number().nullable(),
      SUMMARY: z.string(),
    })
    .nullable(),
  SUMMARY: z.string(),
})

const RISK_DAYS = 365
const CORRELATION_DAYS = 90

/** The latest trading signal (§T2) and trader grade (§T3) of the report's last bar; empty under their 50-bar warm-up. */
function technicalInputs(candles: readonly Candle[]): TechnicalInputs {
  const signal = latestTradingSignal(candles)
  const grade = latestTraderGrade(candles)
  return {
    ...(signal && { signal: { signal: signal.signal, lastChange: signal.lastChange } }),
    ...(grade && { traderGrade: grade.traderGrade }),
  }
}

const correlated = (entries: readonly CorrelationEntry[]) =>
  entries.map((e) => ({ TOKEN_SYMBOL: e.symbol, CORRELATION: e.correlation, OBSERVATIONS: e.observations }))

export const tokenReportEndpoint = defineEndpoint({
  path: '/v1/token-report',
  tier: 'tier3',
  summary: 'Structured research report on one token',
  description:
    'A report on one asset (symbol=ETH, exactly one) as of its last bar, in sections each with numbers and a ' +
    'generated SUMMARY sentence (fixed templates, no AI model): OVERVIEW (price, market cap, cap rank), ' +
    'PERFORMANCE (7/30/90/365-day returns), RISK (the /v1/quantmetrics metrics over 365 days, beta to BTC), ' +
    'CORRELATION (3 most and 3 least correlated assets over 90 days), SCENARIO (base-case prices at $8T–$31T ' +
    'total market, as /v1/price-prediction, with PREDICTED_ROI against the close on DATE; SUPPLY_DATE is the last ' +
    'day with a market cap estimate, where supply and share history end, and the SUMMARY says so when it is ' +
    'earlier), TECHNICAL (the latest /v1/trading-signals signal with the day it ' +
    'last changed and the /v1/trader-grades grade, as of DATE; null under 50 daily bars), and a joined SUMMARY. Numbers are ' +
    'fractions at full precision; only the prose is rounded. Sections lacking history say so in their SUMMARY ' +
    'and carry null or empty values (200).',
  input: requireOneSymbol(z.object(SymbolSelector)),
  output: ReportItem,
  examples: {
    ok: { symbol: 'ETH' },
    badParameter: { query: { symbol: 'BTC,ETH' }, parameter: 'symbol' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Assembles quant metrics, correlation, period returns and scenarios with fixed prose templates (docs/methodology.md §Q6).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const [symbol] = symbolsFrom(input) as [string]
    const candles = requireCandles(universe, symbol)
    const report = buildTokenReport(universe.candles, universe.tokens, symbol, {
      technical: technicalInputs(candles),
      returnIndex: universe.returnIndex(),
      riskDays: RISK_DAYS,
      correlationDays: CORRELATION_DAYS,
      benchmarkSymbol: BENCHMARK_SYMBOL,
    })
    // Unreachable for a symbol with candles (its metadata always exists in the universe); kept as a guard.
    if (!report) return { data: [], message: `no report for ${symbol}: no candles or metadata` }
    const { overview, performance, risk, correlation, scenario, technical } = report
    return {
      data: [
        {
          TOKEN_ID: symbol,
          TOKEN_NAME: overview.name,
          TOKEN_SYMBOL: symbol,
          DATE: report.asOf,
          OVERVIEW: {
            NAME: overview.name,
            CATEGORY: overview.category,
            PRICE: overview.price,
            MARKET_CAP: overview.marketCap,
            MARKET_CAP_RANK: overview.rank?.rank ?? null,
            RANKED_ASSETS: overview.rank?.of ?? null,
            SUMMARY: overview.summary,
          },
          PERFORMANCE: {
            RETURN_7D: performance.returns['7d'] ?? null,
            RETURN_30D: performance.returns['30d'] ?? null,
            RETURN_90D: performance.returns['90d'] ?? null,
            RETURN_365D: performance.returns['365d'] ?? null,
            SUMMARY: performance.summary,
          },
          RISK: {
            WINDOW_DAYS: RISK_DAYS,
            METRICS: risk.metrics ? quantMetricsFields(risk.metrics) : null,
            SUMMARY: risk.summary,
          },
          CORRELATION: {
            DAYS: correlation.days,
            DATE: correlation.date,
            MOST_CORRELATED: correlated(correlation.mostCorrelated),
            LEAST_CORRELATED: correlated(correlation.leastCorrelated),
            SUMMARY: correlation.summary,
          },
          SCENARIO: {
            DATE: scenario.date,
            SUPPLY_DATE: scenario.supplyDate,
            BASE_SHARE: scenario.baseShare,
            BASE_CASE: scenario.baseCase.map((c) => ({
              TOTAL_MARKET_CAP: c.totalMarketCap,
              PREDICTED_PRICE: c.price,
              PREDICTED_ROI: c.upside,
            })),
            SUMMARY: scenario.summary,
          },
          TECHNICAL: technical && {
            TRADING_SIGNAL: technical.signal,
            LAST_SIGNAL_CHANGE: technical.lastChange,
            TRADER_GRADE: technical.traderGrade,
            SUMMARY: technical.summary,
          },
          SUMMARY: report.summary,
        },
      ],
    }
  },
})
