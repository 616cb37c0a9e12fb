import { z } from 'zod'
import { latestTraderGrade, TRADER_GRADE_WARMUP, type TraderGrade } from '../../analytics/trader-grade'
import { Limit, Page, SymbolSelector, symbolsFrom } from '../params'
import { pageOf, round2, round2OrNull } from '../technical'
import { defineEndpoint } from '../types'
import { dailyUniverse, insufficientHistoryMessage, requireCandles } from '../universe'

const Grade = z.number().min(0).max(100)
const GradeLabel = z.enum(['Strong Buy', 'Buy', 'Hold', 'Sell', 'Strong Sell'])

const TraderGradeItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  CLOSE: z.number(),
  TRADER_GRADE: Grade,
  TECHNICAL_GRADE: Grade,
  QUANT_GRADE: Grade,
  CHANGE_24H: z.number().nullable(),
  CHANGE_7D: z.number().nullable(),
  SIGNAL: GradeLabel,
  COMPONENTS: z.object({
    RSI: z.number(),
    RSI_SCORE: Grade,
    MACD_HISTOGRAM_ATR: z.number(),
    MACD_SCORE: Grade,
    SMA20_DISTANCE_ATR: z.number(),
    SMA20_SCORE: Grade,
    SMA50_DISTANCE_ATR: z.number(),
    SMA50_SCORE: Grade,
    PERCENT_B: z.number(),
    PERCENT_B_SCORE: Grade,
    RETURN_30D: z.number(),
    RISK_ADJUSTED_MOMENTUM: z.number(),
    MOMENTUM_SCORE: Grade,
    VOLATILITY_30D: z.number(),
    VOLATILITY_SCORE: Grade,
  }),
})

const components = (c: TraderGrade['components']) => ({
  RSI: c.rsi,
  RSI_SCORE: round2(c.rsiScore),
  MACD_HISTOGRAM_ATR: c.macdHistogramAtr,
  MACD_SCORE: round2(c.macdScore),
  SMA20_DISTANCE_ATR: c.sma20DistanceAtr,
  SMA20_SCORE: round2(c.sma20Score),
  SMA50_DISTANCE_ATR: c.sma50DistanceAtr,
  SMA50_SCORE: round2(c.sma50Score),
  PERCENT_B: c.percentB,
  PERCENT_B_SCORE: round2(c.percentBScore),
  RETURN_30D: c.return30d,
  RISK_ADJUSTED_MOMENTUM: c.riskAdjustedMomentum,
  MOMENTUM_SCORE: round2(c.momentumScore),
  VOLATILITY_30D: c.volatility30d,
  VOLATILITY_SCORE: round2(c.volatilityScore),
})

export const traderGradesEndpoint = defineEndpoint({
  path: '/v1/trader-grades',
  tier: 'tier1',
  summary: 'Short-term trader grade 0–100 per asset',
  description:
    'Latest daily trader grade per asset (symbol=BTC,ETH comma list; token_id is an alias; omit for every asset, ' +
    'best first): TRADER_GRADE = 0.6·TECHNICAL_GRADE + 0.4·QUANT_GRADE, each 0–100; technical from RSI(14), ' +
    'MACD histogram, distance to SMA20/SMA50 and Bollinger %B, quant from 30-day risk-adjusted momentum and ' +
    'volatility. CHANGE_24H / CHANGE_7D are grade points versus 1 and 7 days earlier (null without that day). ' +
    'SIGNAL: Strong Buy ≥ 80, Buy ≥ 60, Hold ≥ 40, Sell ≥ 20, else Strong Sell. COMPONENTS lists the raw values ' +
    'and sub-scores. `limit`/`page` walk the assets. Assets with fewer than 50 daily bars are left out and named ' +
    'in the message.',
  input: z.object({ ...SymbolSelector, limit: Limit, page: Page }),
  output: TraderGradeItem,
  examples: {
    ok: { symbol: 'BTC,ETH,SOL' },
    badParameter: { query: { symbol: 'BTC', page: '0' }, parameter: 'page' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Daily bars, 50-bar warm-up; grades, changes and sub-scores rounded to 2 decimals (labels from the unrounded grade), raw values full precision (docs/methodology.md §T3).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const requested = symbolsFrom(input)
    for (const symbol of requested) requireCandles(universe, symbol)
    const symbols = requested.length > 0 ? requested : universe.tokens.map((t) => t.symbol).sort()
    const tooShort: string[] = []
    const rows = []
    for (const symbol of symbols) {
      const g = latestTraderGrade(universe.candles[symbol]!)
      if (!g) {
        tooShort.push(symbol)
        continue
      }
      rows.push({
        TOKEN_ID: symbol,
        TOKEN_NAME: universe.meta.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        DATE: g.time,
        CLOSE: g.close,
        TRADER_GRADE: round2(g.traderGrade),
        TECHNICAL_GRADE: round2(g.technicalGrade),
        QUANT_GRADE: round2(g.quantGrade),
        CHANGE_24H: round2OrNull(g.change24h),
        CHANGE_7D: round2OrNull(g.change7d),
        SIGNAL: g.label,
        COMPONENTS: components(g.components),
      })
    }
    if (requested.length === 0)
      rows.sort((a, b) => b.TRADER_GRADE - a.TRADER_GRADE || a.TOKEN_SYMBOL.localeCompare(b.TOKEN_SYMBOL))
    return {
      data: pageOf(rows, input.limit, input.page),
      message: insufficientHistoryMessage(tooShort, `fewer than ${TRADER_GRADE_WARMUP} daily bars`),
      meta: {
        total: rows.length,
        page: input.page,
        limit: input.limit,
        ...(tooShort.length > 0 ? { insufficientHistory: tooShort } : {}),
      },
    }
  },
})
