import { z } from 'zod'
import { type MarketRegime, signalBreadth } from '../../analytics/market-metrics'
import { DateRange, dateOrderOk, Limit, Page } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, newestPage } from '../universe'

const Signal = z.union([z.literal(1), z.literal(0), z.literal(-1)])

const MarketMetricsItem = z.object({
  DATE: z.string(),
  TOTAL_CRYPTO_MCAP: z.number(),
  ASSETS_WITH_MCAP: z.number().int(),
  ADVANCING_SHARE: z.number().nullable(),
  ASSETS_WITH_RETURN: z.number().int(),
  ABOVE_SMA50_SHARE: z.number().nullable(),
  ASSETS_WITH_SMA50: z.number().int(),
  BULLISH_SIGNAL_SHARE: z.number().nullable(),
  TOTAL_MCAP_SMA50: z.number().nullable(),
  TOTAL_MCAP_SMA200: z.number().nullable(),
  REGIME: z.enum(['bull', 'bear', 'neutral']).nullable(),
  MARKET_SIGNAL: Signal.nullable(),
  LAST_MARKET_SIGNAL: z.union([z.literal(1), z.literal(-1)]).nullable(),
})

const signalOf = (regime: MarketRegime | null) =>
  regime === null ? null : regime === 'bull' ? 1 : regime === 'bear' ? -1 : 0

export const marketMetricsEndpoint = defineEndpoint({
  path: '/v1/market-metrics',
  tier: 'tier2',
  summary: 'Market-wide daily metrics and regime',
  description:
    'One row per UTC day over the tracked universe: TOTAL_CRYPTO_MCAP (sum of the market caps we track, not the ' +
    'whole crypto market), breadth (ADVANCING_SHARE, ABOVE_SMA50_SHARE), BULLISH_SIGNAL_SHARE (share of assets ' +
    'flagged bullish by the price-above-50-day-SMA proxy, so it equals ABOVE_SMA50_SHARE; meta.signalSource ' +
    'names the source; meta.latestSignalBreadth counts it on the last day of the range), and REGIME bull/bear/neutral with MARKET_SIGNAL 1/-1/0 and LAST_MARKET_SIGNAL ' +
    '(last non-zero). REGIME is null until 200 days of totals exist. Optional startDate/endDate (YYYY-MM-DD); ' +
    'newest `limit` days per page, ascending. A range with no data gives 404 `no_data` with a message; nothing ' +
    'is charged.',
  input: z.object({ ...DateRange, limit: Limit, page: Page }).refine(dateOrderOk, {
    message: 'startDate must not be after endDate',
    path: ['startDate'],
  }),
  output: MarketMetricsItem,
  examples: {
    ok: { startDate: '2026-02-01', endDate: '2026-03-18', limit: '30' },
    badParameter: { query: { startDate: '2026-13-01' }, parameter: 'startDate' },
  },
  requiresMarketData: true,
  methodology:
    'Sum of tracked caps, breadth vs 50-day SMA, regime from SMA50/SMA200 of total cap plus breadth; full precision (docs/methodology.md §Q4).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const { days } = universe.marketMetrics()
    // LAST_MARKET_SIGNAL carries the last non-zero signal, so it is computed over all history before filtering.
    let last: 1 | -1 | null = null
    const rows = days.map((d) => {
      const signal = signalOf(d.regime)
      if (signal === 1 || signal === -1) last = signal
      return {
        DATE: d.time,
        TOTAL_CRYPTO_MCAP: d.totalMarketCap,
        ASSETS_WITH_MCAP: d.assetsWithMarketCap,
        ADVANCING_SHARE: d.advancingShare,
        ASSETS_WITH_RETURN: d.assetsWithReturn,
        ABOVE_SMA50_SHARE: d.aboveSma50Share,
        ASSETS_WITH_SMA50: d.assetsWithSma50,
        BULLISH_SIGNAL_SHARE: d.aboveSma50Share,
        TOTAL_MCAP_SMA50: d.totalMarketCapSma50,
        TOTAL_MCAP_SMA200: d.totalMarketCapSma200,
        REGIME: d.regime,
        MARKET_SIGNAL: signal,
        LAST_MARKET_SIGNAL: last,
      }
    })
    const inRange = rows.filter(
      (r) => (!input.startDate || r.DATE >= input.startDate) && (!input.endDate || r.DATE <= input.endDate),
    )
    const data = newestPage(inRange, input.limit, input.page)
    // The breadth in meta is for the last day asked for, not the last day of the data.
    const breadth = signalBreadth(universe.candles, inRange.at(-1)?.DATE ?? null)
    return {
      data,
      message:
        inRange.length === 0
          ? `no market data between ${input.startDate ?? 'the start'} and ${input.endDate ?? 'the end'} of the data`
          : undefined,
      meta: {
        total: inRange.length,
        page: input.page,
        limit: input.limit,
        signalSource: breadth.source,
        latestSignalBreadth: breadth,
      },
    }
  },
})
