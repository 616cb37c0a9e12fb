import { z } from 'zod'
import { tradingSignalHistory, tradingSignalWarmup } from '../../analytics/trading-signal'
import { Limit, Page, requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { signalRows } from '../technical'
import { defineEndpoint } from '../types'
import { dailyUniverse, newestPage, requireCandles } from '../universe'

const Signal = z.union([z.literal(1), z.literal(0), z.literal(-1)])

const HourlySignalItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  TIMESTAMP: z.string(),
  CLOSE: z.number(),
  SIGNAL: Signal,
  POSITION: Signal,
  SIGNAL_SINCE: z.string(),
  PRICE_AT_SIGNAL: z.number(),
  ROI_SINCE_SIGNAL: z.number().nullable(),
  BARS_SINCE_SIGNAL: z.number().int().min(0),
  SPREAD_ATR: z.number(),
})

const WARMUP = tradingSignalWarmup()

export const hourlyTradingSignalsEndpoint = defineEndpoint({
  path: '/v1/hourly-trading-signals',
  tier: 'tier2',
  summary: 'Hourly trend signals (1 / 0 / -1)',
  description:
    'The trading-signal rule (EMA20/EMA50 spread in ATR14 units, 0.5-ATR band with hysteresis) on hourly bars, ' +
    'counted in hours. symbol=BTC required (comma list allowed; token_id is an alias). Newest `limit` hourly rows ' +
    'per asset per page, ascending: TIMESTAMP (bar open, UTC), CLOSE, SIGNAL 1/0/-1, POSITION = the last non-zero ' +
    'signal (the position a long/short follower would hold), SIGNAL_SINCE = open time of the first bar of the ' +
    'current signal, PRICE_AT_SIGNAL and ROI_SINCE_SIGNAL (fraction). Assets we hold daily but no (or fewer than ' +
    '50) hourly bars of are left out and named in the message; a symbol we hold no data of at all is a 404.',
  input: requireSymbol(z.object({ ...SymbolSelector, limit: Limit, page: Page })),
  output: HourlySignalItem,
  examples: {
    ok: { symbol: 'BTC,ETH', limit: '24' },
    badParameter: { query: {}, parameter: 'symbol' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Same rule as /v1/trading-signals on hourly bars (periods in hours), 50-bar warm-up; SIGNAL_SINCE is censored at the first evaluable bar (docs/methodology.md §T2).',
  async handle(input, { market }) {
    const [hourly, universe] = await Promise.all([market.allCandles('1h'), dailyUniverse(market)])
    const symbols = symbolsFrom(input)
    for (const symbol of symbols) if (!hourly.get(symbol)?.length) requireCandles(universe, symbol)
    const noHourly: string[] = []
    const tooShort: string[] = []
    const data = []
    for (const symbol of symbols) {
      const candles = hourly.get(symbol) ?? []
      if (candles.length === 0) {
        noHourly.push(symbol)
        continue
      }
      const rows = signalRows(tradingSignalHistory(candles))
      if (rows.length === 0) {
        tooShort.push(symbol)
        continue
      }
      const name = universe.meta.get(symbol)?.name ?? symbol
      for (const r of newestPage(rows, input.limit, input.page)) {
        data.push({
          TOKEN_ID: symbol,
          TOKEN_NAME: name,
          TOKEN_SYMBOL: symbol,
          TIMESTAMP: r.time,
          CLOSE: r.close,
          SIGNAL: r.signal,
          POSITION: r.trend,
          SIGNAL_SINCE: r.since,
          PRICE_AT_SIGNAL: r.priceAtSignal,
          ROI_SINCE_SIGNAL: r.roiSinceSignal,
          BARS_SINCE_SIGNAL: r.barsSinceSignal,
          SPREAD_ATR: r.spreadAtr,
        })
      }
    }
    const messages = [
      noHourly.length > 0 ? `no hourly data for ${noHourly.join(', ')}; left out of data` : undefined,
      tooShort.length > 0
        ? `not enough hourly history for ${tooShort.join(', ')} (fewer than ${WARMUP} hourly bars); left out of data`
        : undefined,
    ].filter(Boolean)
    return {
      data,
      message: messages.length > 0 ? messages.join('; ') : undefined,
      meta: {
        page: input.page,
        limit: input.limit,
        ...(noHourly.length > 0 ? { noHourlyData: noHourly } : {}),
        ...(tooShort.length > 0 ? { insufficientHistory: tooShort } : {}),
      },
    }
  },
})
