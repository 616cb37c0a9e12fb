import { z } from 'zod'
import type { IndexResult } from '../../analytics/indices'
import { IndexList } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, requireIndex } from '../universe'

const IndexItem = z.object({
  ID: z.string(),
  NAME: z.string(),
  KIND: z.enum(['top', 'category']),
  BENCHMARK: z.string(),
  INCEPTION_DATE: z.string(),
  DATE: z.string(),
  LAST_REBALANCE: z.string(),
  COINS: z.number().int(),
  INDEX_LEVEL: z.number(),
  MARKET_CAP: z.number().nullable(),
  MARKET_CAP_COINS: z.number().int(),
  RETURN_7D: z.number().nullable(),
  RETURN_30D: z.number().nullable(),
  RETURN_90D: z.number().nullable(),
  RETURN_365D: z.number().nullable(),
  RETURN_INCEPTION: z.number().nullable(),
})

/** Index return for a performance period (`7d` … `inception`); null when the index is younger than the period. */
export const indexPeriodReturn = (index: IndexResult, period: string): number | null =>
  index.performance.find((p) => p.period === period)?.indexReturn ?? null

export const indicesEndpoint = defineEndpoint({
  path: '/v1/indices',
  tier: 'tier2',
  summary: 'Market-cap-weighted crypto indices',
  description:
    'Our indices: top10 and top50 (largest market caps) and one sector-<category> index per token category ' +
    '(e.g. sector-layer-1, sector-defi); market-cap weighted, rebalanced monthly, level 1000 at inception. ' +
    'Per index: current INDEX_LEVEL, COINS held, MARKET_CAP summed over the MARKET_CAP_COINS holdings with a cap ' +
    'estimate on DATE (fewer than COINS when an estimate stopped, e.g. SUSHI), and index returns over ' +
    '7/30/90/365 days and since inception (fractions; null when the index is younger than the period). ' +
    'Optional index=top10,sector-defi (comma list) to pick indices; an unknown id is a 404 naming it.',
  input: z.object({ index: IndexList.optional() }),
  output: IndexItem,
  examples: {
    ok: { index: 'top10,top50' },
    badParameter: { query: { index: 'top 10!' }, parameter: 'index' },
    unknownSymbol: { index: 'nope' },
  },
  requiresMarketData: true,
  methodology:
    'Cap-weighted, uncapped, monthly rebalance at the last close of each month, base 1000; full precision (docs/methodology.md §Q3).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const indices = input.index ? input.index.map((id) => requireIndex(universe, id)) : universe.indices()
    return {
      data: indices.map((index) => {
        const caps = index.holdings.map((h) => h.marketCap).filter((c) => c !== null)
        return {
          ID: index.id,
          NAME: index.name,
          KIND: index.kind,
          BENCHMARK: index.benchmarkSymbol,
          INCEPTION_DATE: index.inceptionDate,
          DATE: index.endDate,
          LAST_REBALANCE: index.lastRebalance,
          COINS: index.holdings.length,
          INDEX_LEVEL: index.levels[index.levels.length - 1]!.level,
          MARKET_CAP: caps.length > 0 ? caps.reduce((a, b) => a + b, 0) : null,
          MARKET_CAP_COINS: caps.length,
          RETURN_7D: indexPeriodReturn(index, '7d'),
          RETURN_30D: indexPeriodReturn(index, '30d'),
          RETURN_90D: indexPeriodReturn(index, '90d'),
          RETURN_365D: indexPeriodReturn(index, '365d'),
          RETURN_INCEPTION: indexPeriodReturn(index, 'inception'),
        }
      }),
      meta: { available: universe.indices().map((i) => i.id) },
    }
  },
})
