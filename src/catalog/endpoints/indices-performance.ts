import { z } from 'zod'
import { INDEX_BASE_LEVEL } from '../../analytics/indices'
import { DateRange, dateOrderOk, IndexId, Limit, Page } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, newestPage, requireIndex } from '../universe'

const PerformanceItem = z.object({
  ID: z.string(),
  NAME: z.string(),
  BENCHMARK: z.string(),
  INCEPTION_DATE: z.string(),
  DATE: z.string(),
  INDEX_LEVEL: z.number(),
  PERFORMANCE: z.array(
    z.object({
      PERIOD: z.string(),
      START_DATE: z.string().nullable(),
      INDEX_RETURN: z.number().nullable(),
      BENCHMARK_RETURN: z.number().nullable(),
      EXCESS_RETURN: z.number().nullable(),
    }),
  ),
  HISTORY: z
    .array(z.object({ DATE: z.string(), INDEX_LEVEL: z.number(), INDEX_CUMULATIVE_ROI: z.number() }))
    .nullable(),
})

export const indicesPerformanceEndpoint = defineEndpoint({
  path: '/v1/indices-performance',
  tier: 'tier2',
  summary: 'Index performance vs BTC',
  description:
    'Performance of one index (index=top10, required; ids from /v1/indices) against BTC as of the latest close: ' +
    'PERFORMANCE rows for 7d, 30d, 90d, 365d and inception with INDEX_RETURN, BENCHMARK_RETURN and EXCESS_RETURN ' +
    '(fractions; null when the index is younger than the period). With startDate and/or endDate (YYYY-MM-DD) the ' +
    'item also carries HISTORY, the daily INDEX_LEVEL and INDEX_CUMULATIVE_ROI (level / 1000 − 1) in that range, ' +
    'newest `limit` days per page, ascending (an empty range gives an empty HISTORY and a message); without ' +
    'dates HISTORY is null. An unknown index id is a 404.',
  input: z
    .object({ index: IndexId, ...DateRange, limit: Limit, page: Page })
    .refine(dateOrderOk, { message: 'startDate must not be after endDate', path: ['startDate'] }),
  output: PerformanceItem,
  examples: {
    ok: { index: 'top10', startDate: '2026-03-01', limit: '10' },
    badParameter: { query: { index: 'top10', limit: '0' }, parameter: 'limit' },
    unknownSymbol: { index: 'nope' },
  },
  requiresMarketData: true,
  methodology:
    'Returns from index levels and BTC closes at the last date ≤ end − N days; full precision (docs/methodology.md §Q3).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const index = requireIndex(universe, input.index)
    const withHistory = input.startDate !== undefined || input.endDate !== undefined
    const inRange = withHistory
      ? index.levels.filter(
          (l) =>
            (!input.startDate || l.time >= input.startDate) && (!input.endDate || l.time <= input.endDate),
        )
      : []
    return {
      data: [
        {
          ID: index.id,
          NAME: index.name,
          BENCHMARK: index.benchmarkSymbol,
          INCEPTION_DATE: index.inceptionDate,
          DATE: index.endDate,
          INDEX_LEVEL: index.levels[index.levels.length - 1]!.level,
          PERFORMANCE: index.performance.map((p) => ({
            PERIOD: p.period,
            START_DATE: p.startDate,
            INDEX_RETURN: p.indexReturn,
            BENCHMARK_RETURN: p.benchmarkReturn,
            EXCESS_RETURN: p.excessReturn,
          })),
          HISTORY: withHistory
            ? newestPage(inRange, input.limit, input.page).map((l) => ({
                DATE: l.time,
                INDEX_LEVEL: l.level,
                INDEX_CUMULATIVE_ROI: l.level / INDEX_BASE_LEVEL - 1,
              }))
            : null,
        },
      ],
      message:
        withHistory && inRange.length === 0
          ? `no index levels between ${input.startDate ?? 'inception'} and ${input.endDate ?? 'the latest close'}; ${index.id} runs ${index.inceptionDate} to ${index.endDate}`
          : undefined,
      meta: withHistory ? { historyTotal: inRange.length, page: input.page, limit: input.limit } : undefined,
    }
  },
})
