import { z } from 'zod'
import { tradingSignalHistory, tradingSignalWarmup } from '../../analytics/trading-signal'
import { DateRange, dateOrderOk, Limit, Page, SymbolSelector, symbolsFrom } from '../params'
import { pageOf, type SignalRow, signalRows } from '../technical'
import { defineEndpoint } from '../types'
import { dailyUniverse, insufficientHistoryMessage, newestPage, requireCandles } from '../universe'

const Signal = z.union([z.literal(1), z.literal(0), z.literal(-1)])

const TradingSignalItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  CLOSE: z.number(),
  TRADING_SIGNAL: Signal,
  TOKEN_TREND: Signal,
  SIGNAL_SINCE: z.string(),
  PRICE_AT_SIGNAL: z.number(),
  ROI_SINCE_SIGNAL: z.number().nullable(),
  BARS_SINCE_SIGNAL: z.number().int().min(0),
  SPREAD_ATR: z.number(),
})

const WARMUP = tradingSignalWarmup()

export const tradingSignalsEndpoint = defineEndpoint({
  path: '/v1/trading-signals',
  tier: 'tier1',
  summary: 'Daily trend signals (1 bullish / 0 neutral / -1 bearish)',
  description:
    'Daily trading signal per asset from an EMA(20)/EMA(50) crossover measured in ATR(14) units with a 0.5-ATR ' +
    'dead band and hysteresis. symbol=BTC,ETH (comma list; token_id is an alias; omit for every asset). Without ' +
    'dates: the latest signal per asset, `limit`/`page` walking the assets. With startDate and/or endDate ' +
    '(YYYY-MM-DD): the daily history rows in that range, newest `limit` rows per asset per page, ascending. ' +
    'TRADING_SIGNAL is 1/0/-1; TOKEN_TREND the last non-zero signal; SIGNAL_SINCE the day the current signal ' +
    'started, PRICE_AT_SIGNAL the close that day and ROI_SINCE_SIGNAL = CLOSE / PRICE_AT_SIGNAL − 1 (fraction). ' +
    'Optional signal=1|0|-1 keeps only rows with that signal. Assets with fewer than 50 daily bars are left out ' +
    'and named in the message.',
  input: z
    .object({
      ...SymbolSelector,
      ...DateRange,
      signal: z.enum(['1', '0', '-1']).transform(Number).optional(),
      limit: Limit,
      page: Page,
    })
    .refine(dateOrderOk, { message: 'startDate must not be after endDate', path: ['startDate'] }),
  output: TradingSignalItem,
  examples: {
    ok: { symbol: 'BTC,ETH,SOL' },
    badParameter: { query: { symbol: 'BTC', signal: '2' }, parameter: 'signal' },
    unknownSymbol: { symbol: 'BTC,NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'EMA20/EMA50 spread in ATR14 units, band 0.5 ATR with hysteresis, 50-bar warm-up; SIGNAL_SINCE is censored at the first evaluable bar (docs/methodology.md §T2).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const requested = symbolsFrom(input)
    for (const symbol of requested) requireCandles(universe, symbol)
    const symbols = requested.length > 0 ? requested : universe.tokens.map((t) => t.symbol).sort()
    const history = input.startDate !== undefined || input.endDate !== undefined
    const tooShort: string[] = []
    const item = (symbol: string, r: SignalRow) => ({
      TOKEN_ID: symbol,
      TOKEN_NAME: universe.meta.get(symbol)?.name ?? symbol,
      TOKEN_SYMBOL: symbol,
      DATE: r.time,
      CLOSE: r.close,
      TRADING_SIGNAL: r.signal,
      TOKEN_TREND: r.trend,
      SIGNAL_SINCE: r.since,
      PRICE_AT_SIGNAL: r.priceAtSignal,
      ROI_SINCE_SIGNAL: r.roiSinceSignal,
      BARS_SINCE_SIGNAL: r.barsSinceSignal,
      SPREAD_ATR: r.spreadAtr,
    })
    const keep = (r: SignalRow) => input.signal === undefined || r.signal === input.signal
    const latest: ReturnType<typeof item>[] = []
    const data: ReturnType<typeof item>[] = []
    let total = 0
    for (const symbol of symbols) {
      const rows = signalRows(tradingSignalHistory(universe.candles[symbol]!))
      if (rows.length === 0) {
        tooShort.push(symbol)
        continue
      }
      if (history) {
        const inRange = rows.filter(
          (r) =>
            (!input.startDate || r.time >= input.startDate) &&
            (!input.endDate || r.time <= input.endDate) &&
            keep(r),
        )
        total += inRange.length
        data.push(...newestPage(inRange, input.limit, input.page).map((r) => item(symbol, r)))
      } else {
        const last = rows[rows.length - 1]!
        if (keep(last)) latest.push(item(symbol, last))
      }
    }
    if (!history) {
      total = latest.length
      data.push(...pageOf(latest, input.limit, input.page))
    }
    const messages = [
      insufficientHistoryMessage(tooShort, `fewer than ${WARMUP} daily bars`),
      history && total === 0
        ? `no signals between ${input.startDate ?? 'the start'} and ${input.endDate ?? 'the end'} of the data`
        : undefined,
    ].filter(Boolean)
    return {
      data,
      message: messages.length > 0 ? messages.join('; ') : undefined,
      meta: {
        total,
        page: input.page,
        limit: input.limit,
        ...(tooShort.length > 0 ? { insufficientHistory: tooShort } : {}),
      },
    }
  },
})
