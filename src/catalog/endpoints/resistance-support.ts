import { z } from 'zod'
import { supportResistanceLevels } from '../../analytics/levels'
import { requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, requireCandles } from '../universe'

const Level = z.object({
  PRICE: z.number(),
  TYPE: z.enum(['support', 'resistance']),
  TOUCHES: z.number().int().min(1),
  PIVOT_HIGHS: z.number().int().min(0),
  PIVOT_LOWS: z.number().int().min(0),
  FIRST_TOUCH: z.string(),
  LAST_TOUCH: z.string(),
  VOLUME_AT_TOUCHES: z.number(),
  DISTANCE: z.number().nullable(),
})

const LevelsItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  CLOSE: z.number(),
  LOOKBACK_DAYS: z.number().int().nullable(),
  TOLERANCE: z.number(),
  LEVELS: z.array(Level),
  /** TM-compatible shape: `{ level, date }` with the date of the level's last touch. */
  HISTORICAL_RESISTANCE_SUPPORT_LEVELS: z.array(z.object({ level: z.number(), date: z.string() })),
})

export const resistanceSupportEndpoint = defineEndpoint({
  path: '/v1/resistance-support',
  tier: 'tier2',
  summary: 'Resistance and support levels per asset',
  description:
    'Price levels from daily swing pivots (a high/low beating the 5 bars on each side), clustered within 0.5 ATR(14) ' +
    'of the last bar. symbol=BTC,ETH required (comma list; token_id is an alias). One row per asset with LEVELS ' +
    'nearest the last close first (`limit` levels, default 10, max 50): PRICE (mean of the cluster), TYPE ' +
    '(resistance at or above the last close, else support), TOUCHES (pivots in the cluster), FIRST_TOUCH / ' +
    'LAST_TOUCH, VOLUME_AT_TOUCHES (USD) and DISTANCE = PRICE / CLOSE − 1 (fraction). `lookback` (days, 20–3650) ' +
    'limits the pivot search to the newest bars (default: all history). Assets with no pivot (short or smooth ' +
    'history) are left out and named in the message.',
  input: requireSymbol(
    z.object({
      ...SymbolSelector,
      limit: z.coerce.number().int().min(1).max(50).default(10),
      lookback: z.coerce.number().int().min(20).max(3650).optional(),
    }),
  ),
  output: LevelsItem,
  examples: {
    ok: { symbol: 'BTC,ETH', limit: '8' },
    badParameter: { query: { symbol: 'BTC', lookback: '5' }, parameter: 'lookback' },
    unknownSymbol: { symbol: 'ETH,NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Fractal pivots (window 5) on daily bars, greedy clustering within 0.5 ATR14, sorted by distance to the last close; full precision (docs/methodology.md §T6).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const symbols = symbolsFrom(input)
    for (const symbol of symbols) requireCandles(universe, symbol)
    const noLevels: string[] = []
    const data = []
    for (const symbol of symbols) {
      const result = supportResistanceLevels(universe.candles[symbol]!, {
        limit: input.limit,
        lookback: input.lookback,
      })
      if (!result || result.levels.length === 0) {
        noLevels.push(symbol)
        continue
      }
      data.push({
        TOKEN_ID: symbol,
        TOKEN_NAME: universe.meta.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        DATE: result.time,
        CLOSE: result.close,
        LOOKBACK_DAYS: input.lookback ?? null,
        TOLERANCE: result.tolerance,
        LEVELS: result.levels.map((l) => ({
          PRICE: l.price,
          TYPE: l.type,
          TOUCHES: l.touches,
          PIVOT_HIGHS: l.pivotHighs,
          PIVOT_LOWS: l.pivotLows,
          FIRST_TOUCH: l.firstTouch,
          LAST_TOUCH: l.lastTouch,
          VOLUME_AT_TOUCHES: l.volumeAtTouches,
          DISTANCE: l.distance,
        })),
        HISTORICAL_RESISTANCE_SUPPORT_LEVELS: result.levels.map((l) => ({
          level: l.price,
          date: l.lastTouch,
        })),
      })
    }
    return {
      data,
      message:
        noLevels.length > 0
          ? `no swing pivot found for ${noLevels.join(', ')} (a pivot is a daily high or low beating the 5 bars on each side); left out of data`
          : undefined,
      meta: noLevels.length > 0 ? { noLevels } : undefined,
    }
  },
})
