import { z } from 'zod'
import type { MarketSentimentPoint } from '../../analytics/market-sentiment'
import { DateRange, dateOrderOk, Limit, Page } from '../params'
import { round2, round2OrNull, universeSentimentHistory } from '../technical'
import { defineEndpoint } from '../types'
import { newestPage } from '../universe'

const Score = z.number().min(0).max(100)

const MarketSentimentItem = z.object({
  DATE: z.string(),
  SENTIMENT_SCORE: Score,
  SENTIMENT_LABEL: z.enum(['Extreme Fear', 'Fear', 'Neutral', 'Greed', 'Extreme Greed']),
  VOLATILITY_SCORE: Score.nullable(),
  MOMENTUM_SCORE: Score.nullable(),
  BREADTH_SCORE: Score.nullable(),
  VOLUME_SCORE: Score.nullable(),
  BTC_VOLATILITY_30D: z.number().nullable(),
  BTC_VOLATILITY_AVERAGE_1Y: z.number().nullable(),
  VOLATILITY_RATIO: z.number().nullable(),
  BTC_VS_SMA125: z.number().nullable(),
  MEDIAN_RETURN_30D: z.number().nullable(),
  ASSETS_WITH_RETURN: z.number().int(),
  ABOVE_SMA50_SHARE: z.number().min(0).max(1).nullable(),
  ASSETS_WITH_SMA50: z.number().int(),
  VOLUME_RATIO: z.number().nullable(),
  ASSETS_WITH_VOLUME: z.number().int(),
})

type Item = z.infer<typeof MarketSentimentItem>

/** The row of one scored day (null when no component could be computed that day). */
function item(p: MarketSentimentPoint): Item | null {
  if (p.score === null || p.label === null) return null
  const c = p.components
  return {
    DATE: p.time,
    SENTIMENT_SCORE: round2(p.score),
    SENTIMENT_LABEL: p.label,
    VOLATILITY_SCORE: round2OrNull(c.volatility.score),
    MOMENTUM_SCORE: round2OrNull(c.momentum.score),
    BREADTH_SCORE: round2OrNull(c.breadth.score),
    VOLUME_SCORE: round2OrNull(c.volume.score),
    BTC_VOLATILITY_30D: c.volatility.btcVolatility30d,
    BTC_VOLATILITY_AVERAGE_1Y: c.volatility.btcVolatilityAverage1y,
    VOLATILITY_RATIO: c.volatility.ratio,
    BTC_VS_SMA125: c.momentum.btcVsSma125,
    MEDIAN_RETURN_30D: c.momentum.medianReturn30d,
    ASSETS_WITH_RETURN: c.momentum.assetsWithReturn,
    ABOVE_SMA50_SHARE: c.breadth.aboveSma50Share,
    ASSETS_WITH_SMA50: c.breadth.assetsWithSma50,
    VOLUME_RATIO: c.volume.ratio,
    ASSETS_WITH_VOLUME: c.volume.assetsWithVolume,
  }
}

export const marketSentimentEndpoint = defineEndpoint({
  path: '/v1/market-sentiment',
  tier: 'tier1',
  summary: 'Market fear & greed score 0–100 (price-based)',
  description:
    'Fear & greed style sentiment over the tracked universe, from prices and volumes only: the equal-weight mean ' +
    'of four 0–100 components (BTC 30-day volatility vs its 1-year average, momentum from BTC vs SMA125 and the ' +
    'median 30-day return, breadth = share of assets above their SMA50, volume = 7-day vs 90-day volume). Missing ' +
    'components (short history) are left out of the mean and are null. SENTIMENT_LABEL: Extreme Fear < 25 ≤ Fear ' +
    '< 45 ≤ Neutral < 55 ≤ Greed < 75 ≤ Extreme Greed. Without dates: the latest day. With startDate and/or ' +
    'endDate (YYYY-MM-DD): one row per day, newest `limit` days per page, ascending. Days with no component are ' +
    'left out and counted in the message; when no day is left, 404 `no_data` and nothing is charged.',
  input: z.object({ ...DateRange, limit: Limit, page: Page }).refine(dateOrderOk, {
    message: 'startDate must not be after endDate',
    path: ['startDate'],
  }),
  output: MarketSentimentItem,
  examples: {
    ok: { startDate: '2026-03-01', endDate: '2026-03-18', limit: '30' },
    badParameter: { query: { startDate: '2026-03-18', endDate: '2026-03-01' }, parameter: 'startDate' },
  },
  requiresMarketData: true,
  methodology:
    'Four equal-weight components, no look-ahead, BTC benchmark; scores rounded to 2 decimals (label from the unrounded score), raw values full precision (docs/methodology.md §T5).',
  async handle(input, { market }) {
    const points = await universeSentimentHistory(market)
    const history = input.startDate !== undefined || input.endDate !== undefined
    if (!history) {
      const last = points[points.length - 1]
      const row = last ? item(last) : null
      return {
        data: row ? [row] : [],
        message: row
          ? undefined
          : `not enough history to score sentiment on ${last?.time ?? 'the latest day'}; left out of data`,
      }
    }
    const inRange = points.filter(
      (p) => (!input.startDate || p.time >= input.startDate) && (!input.endDate || p.time <= input.endDate),
    )
    const rows = inRange.map(item).filter((r): r is Item => r !== null)
    const unscored = inRange.length - rows.length
    const range = `between ${input.startDate ?? 'the start'} and ${input.endDate ?? 'the end'} of the data`
    return {
      data: newestPage(rows, input.limit, input.page),
      message:
        inRange.length === 0
          ? `no market data ${range}`
          : unscored > 0
            ? `${unscored} day(s) ${range} have too little history to score; left out of data`
            : undefined,
      meta: { total: rows.length, page: input.page, limit: input.limit },
    }
  },
})
