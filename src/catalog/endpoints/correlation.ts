import { z } from 'zod'
import {
  CORRELATION_DEFAULT_DAYS,
  CORRELATION_DEFAULT_MIN_OVERLAP,
  CORRELATION_MAX_DAYS,
  correlateAsset,
} from '../../analytics/correlation'
import { Page, requireOneSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, requireCandles } from '../universe'

const CorrelationItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  DAYS: z.number().int(),
  RANK: z.number().int(),
  CORRELATED_TOKEN_ID: z.string(),
  CORRELATED_TOKEN_NAME: z.string(),
  CORRELATED_TOKEN_SYMBOL: z.string(),
  CORRELATION: z.number().min(-1).max(1),
  OBSERVATIONS: z.number().int(),
})

export const correlationEndpoint = defineEndpoint({
  path: '/v1/correlation',
  tier: 'tier3',
  summary: 'Return correlations of one asset against all others',
  description:
    'Pearson correlation of the daily returns of one asset (symbol=ETH, exactly one) with every other tracked ' +
    `asset over the last \`days\` calendar days (default ${CORRELATION_DEFAULT_DAYS}, 2–${CORRELATION_MAX_DAYS}), ` +
    `ending at the asset's last bar; a pair needs ${CORRELATION_DEFAULT_MIN_OVERLAP} shared days (or \`days\` if fewer). ` +
    'Sorted by CORRELATION descending; the asset itself is included at exactly 1 (so it ranks first); RANK is the ' +
    'position in that order; ' +
    '`limit` (default 100) and `page` walk it. Pairs without enough overlap are listed in meta.skipped. An asset ' +
    'with too little history gives 404 `no_data` with a message saying why; nothing is charged.',
  input: requireOneSymbol(
    z.object({
      ...SymbolSelector,
      days: z.coerce.number().int().min(2).max(CORRELATION_MAX_DAYS).default(CORRELATION_DEFAULT_DAYS),
      limit: z.coerce.number().int().min(1).max(100).default(100),
      page: Page,
    }),
  ),
  output: CorrelationItem,
  examples: {
    ok: { symbol: 'ETH', days: '90', limit: '20' },
    badParameter: { query: { symbol: 'ETH', days: '400' }, parameter: 'days' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Pearson r of simple daily returns, date-intersected, window (end − days, end]; full precision (docs/methodology.md §Q2).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const [symbol] = symbolsFrom(input) as [string]
    requireCandles(universe, symbol)
    const result = correlateAsset(universe.returnIndex(), symbol, { days: input.days })
    // Only the asset itself (or nothing) means no pair could be measured.
    if (!result || result.correlations.length < 2) {
      const have = result?.observations ?? 0
      return {
        data: [],
        message: `not enough history for ${symbol}: ${have} daily returns in the ${input.days}-day window, no other asset shares ${Math.min(CORRELATION_DEFAULT_MIN_OVERLAP, input.days)} of them`,
        meta: { skipped: result?.skipped ?? [] },
      }
    }
    const name = (s: string) => universe.meta.get(s)?.name ?? s
    const start = (input.page - 1) * input.limit
    return {
      data: result.correlations.slice(start, start + input.limit).map((c, i) => ({
        TOKEN_ID: symbol,
        TOKEN_NAME: name(symbol),
        TOKEN_SYMBOL: symbol,
        DATE: result.endDate,
        DAYS: result.days,
        RANK: start + i + 1,
        CORRELATED_TOKEN_ID: c.symbol,
        CORRELATED_TOKEN_NAME: name(c.symbol),
        CORRELATED_TOKEN_SYMBOL: c.symbol,
        CORRELATION: c.correlation,
        OBSERVATIONS: c.observations,
      })),
      meta: {
        total: result.correlations.length,
        page: input.page,
        limit: input.limit,
        observations: result.observations,
        skipped: result.skipped,
      },
    }
  },
})
