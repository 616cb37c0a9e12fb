import { z } from 'zod'
import { INVESTOR_GRADE_WEIGHTS } from '../../analytics/investor-grade'
import { Limit, Page, SymbolSelector, symbolsFrom } from '../params'
import { pageOf, round2, round2OrNull, universeInvestorGrades } from '../technical'
import { defineEndpoint } from '../types'
import { dailyUniverse, insufficientHistoryMessage, requireCandles } from '../universe'

const Rank = z.number().min(0).max(100).nullable()

const InvestorGradeItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  AS_OF: z.string(),
  INVESTOR_GRADE: z.number().min(0).max(100),
  SIGNAL: z.enum(['Strong Buy', 'Buy', 'Hold', 'Sell', 'Strong Sell']),
  UNIVERSE_RANK: z.number().int().min(1),
  HISTORY_DAYS: z.number().int(),
  INSUFFICIENT_HISTORY: z.boolean(),
  RISK_ADJUSTED_RETURN_90D: z.number().nullable(),
  RISK_ADJUSTED_RETURN_90D_PERCENTILE: Rank,
  RISK_ADJUSTED_RETURN_180D: z.number().nullable(),
  RISK_ADJUSTED_RETURN_180D_PERCENTILE: Rank,
  RISK_ADJUSTED_RETURN_365D: z.number().nullable(),
  RISK_ADJUSTED_RETURN_365D_PERCENTILE: Rank,
  MAX_DRAWDOWN_365D: z.number().max(0).nullable(),
  MAX_DRAWDOWN_365D_PERCENTILE: Rank,
  MEDIAN_VOLUME_30D: z.number().nullable(),
  LIQUIDITY_LOG10: z.number().nullable(),
  LIQUIDITY_PERCENTILE: Rank,
})

const weights = Object.entries(INVESTOR_GRADE_WEIGHTS)
  .map(([k, w]) => `${k} ${w}`)
  .join(', ')

export const investorGradesEndpoint = defineEndpoint({
  path: '/v1/investor-grades',
  tier: 'tier1',
  summary: 'Long-horizon investor grade 0–100, ranked across the universe',
  description:
    'Cross-sectional investor grade per asset as of the latest day of the data (symbol=BTC,ETH comma list; ' +
    'token_id is an alias; omit for every graded asset, best first). Each asset is ranked against every tracked ' +
    'asset on risk-adjusted return over 90/180/365 days (R_N / (s_N·√N)), 365-day max drawdown and 30-day median ' +
    `USD volume; INVESTOR_GRADE is the weighted mean of those percentile ranks (${weights}), so it reads "better ` +
    'than x% of this universe". Raw metrics and their *_PERCENTILE ranks are returned; UNIVERSE_RANK is the ' +
    'position among graded assets. INSUFFICIENT_HISTORY marks assets under 365 days old (missing windows are left ' +
    'out of the mean). Assets with under 90 days of history have no grade, and assets whose data ends before the ' +
    'grading date are not ranked: both are left out and named in the message. ' +
    '`limit`/`page` walk the assets.',
  input: z.object({ ...SymbolSelector, limit: Limit, page: Page }),
  output: InvestorGradeItem,
  examples: {
    ok: { symbol: 'BTC,ETH,SOL' },
    badParameter: { query: { symbol: 'BTC,ETH', limit: '0' }, parameter: 'limit' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Percentile ranks across all tracked assets on the latest date; grade and percentiles rounded to 2 decimals (label from the unrounded grade), raw metrics full precision (docs/methodology.md §T4).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const requested = symbolsFrom(input)
    for (const symbol of requested) requireCandles(universe, symbol)
    const grades = await universeInvestorGrades(market)
    const graded = grades.filter((g) => g.investorGrade !== null)
    const rank = new Map(graded.map((g, i) => [g.symbol, i + 1]))
    const bySymbol = new Map(grades.map((g) => [g.symbol, g]))
    const selected = requested.length > 0 ? requested.map((s) => bySymbol.get(s)) : graded
    const gradesAsOf = grades[0]?.asOf ?? null
    // Assets without a bar on the grading date are not ranked (their metrics would end on another day).
    const notOnDate = requested.filter((s) => !bySymbol.has(s))
    const tooShort = requested.filter((s) => bySymbol.get(s)?.investorGrade === null)
    const rows = selected.flatMap((g) => {
      if (!g || g.investorGrade === null || g.label === null) return []
      const m = g.metrics
      const p = g.percentiles
      return [
        {
          TOKEN_ID: g.symbol,
          TOKEN_NAME: universe.meta.get(g.symbol)?.name ?? g.symbol,
          TOKEN_SYMBOL: g.symbol,
          DATE: g.time,
          AS_OF: g.asOf,
          INVESTOR_GRADE: round2(g.investorGrade),
          SIGNAL: g.label,
          UNIVERSE_RANK: rank.get(g.symbol)!,
          HISTORY_DAYS: g.historyDays,
          INSUFFICIENT_HISTORY: g.insufficientHistory,
          RISK_ADJUSTED_RETURN_90D: m.riskAdjustedReturn90d,
          RISK_ADJUSTED_RETURN_90D_PERCENTILE: round2OrNull(p.riskAdjustedReturn90d),
          RISK_ADJUSTED_RETURN_180D: m.riskAdjustedReturn180d,
          RISK_ADJUSTED_RETURN_180D_PERCENTILE: round2OrNull(p.riskAdjustedReturn180d),
          RISK_ADJUSTED_RETURN_365D: m.riskAdjustedReturn365d,
          RISK_ADJUSTED_RETURN_365D_PERCENTILE: round2OrNull(p.riskAdjustedReturn365d),
          MAX_DRAWDOWN_365D: m.maxDrawdown365d,
          MAX_DRAWDOWN_365D_PERCENTILE: round2OrNull(p.maxDrawdown365d),
          MEDIAN_VOLUME_30D: m.medianVolume30d,
          LIQUIDITY_LOG10: m.liquidityLog10,
          LIQUIDITY_PERCENTILE: round2OrNull(p.liquidity),
        },
      ]
    })
    const notes = [
      insufficientHistoryMessage(tooShort, 'under 90 days of daily history: no investor grade'),
      notOnDate.length > 0
        ? `no bar on the grading date ${gradesAsOf} for ${notOnDate.join(', ')} (data ends ${notOnDate
            .map((s) => universe.candles[s]!.at(-1)!.time)
            .join(', ')}); not ranked against assets graded on that day, left out of data`
        : undefined,
    ].filter((m) => m !== undefined)
    return {
      data: pageOf(rows, input.limit, input.page),
      message:
        requested.length === 0 && graded.length === 0
          ? 'no asset has 90 days of daily history yet, so none can be graded'
          : notes.length > 0
            ? notes.join('; ')
            : undefined,
      meta: {
        total: rows.length,
        page: input.page,
        limit: input.limit,
        gradesAsOf,
        universeSize: grades.length,
        gradedAssets: graded.length,
        ...(tooShort.length > 0 ? { insufficientHistory: tooShort } : {}),
        ...(notOnDate.length > 0 ? { notOnGradingDate: notOnDate } : {}),
      },
    }
  },
})
