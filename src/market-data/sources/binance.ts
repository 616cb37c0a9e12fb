/**
 * Binance spot klines (keyless): `GET /api/v3/klines?symbol=BTCUSDT&interval=1d&startTime=&endTime=&limit=1000`.
 * @see https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data
 *
 * Prices are in USDT and treated as USD. `volume` is the quote-asset (USDT) volume, i.e. USD notional.
 * `marketCap` is null (Binance has no supply data; see `fillMarketCaps`).
 */
import { z } from 'zod'
import type { Candle, Interval } from '../../lib/candle'
import { fetchJson, type RequestPolicy } from './http-client'
import { HostRateLimiter } from './rate-limiter'
import type { CandleSource, FetchCandlesParams } from './source'
import { alignUp, intervalMs, parseInstant, toCandleTime } from './time'

export const BINANCE_BASE_URL = 'https://api.binance.com'
export const BINANCE_MAX_LIMIT = 1000

/** Binance decimals are strings ("42283.58000000"). */
const Decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a decimal string')
  .transform(Number)

/**
 * `[openTime, open, high, low, close, baseVolume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]`.
 * Extra trailing fields are tolerated, in case Binance appends some.
 */
export const BinanceKline = z.tuple(
  [
    z.number().int(),
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    z.number().int(),
    Decimal,
    z.number().int(),
    Decimal,
    Decimal,
    z.string(),
  ],
  z.unknown(),
)
export const BinanceKlines = z.array(BinanceKline)
export type BinanceKline = z.infer<typeof BinanceKline>

export interface BinanceSourceOptions {
  /** @default 'https://api.binance.com' */
  baseUrl?: string
  /** Symbol -> pair overrides (`{ RENDER: 'RENDERUSDT' }`); others map to `SYMBOL + quoteAsset`. */
  pairs?: Record<string, string>
  /** @default 'USDT' */
  quoteAsset?: string
  /** Bars per request, at most 1000. @default 1000 */
  pageLimit?: number
  /** Minimum gap between requests. Klines cost weight 2 of 6000/min, so 100 ms is far inside the limit. @default 100 */
  minIntervalMs?: number
  now?: () => number
  http?: RequestPolicy
}

export function createBinanceSource(options: BinanceSourceOptions = {}): CandleSource {
  const baseUrl = (options.baseUrl ?? BINANCE_BASE_URL).replace(/\/+$/, '')
  const quoteAsset = options.quoteAsset ?? 'USDT'
  const pageLimit = options.pageLimit ?? BINANCE_MAX_LIMIT
  if (!(pageLimit >= 1 && pageLimit <= BINANCE_MAX_LIMIT))
    throw new Error('binance: pageLimit must be 1..1000')
  const now = options.now ?? Date.now
  const http: RequestPolicy = {
    rateLimiter: new HostRateLimiter({ minIntervalMs: options.minIntervalMs ?? 100 }),
    ...options.http,
  }
  const pairFor = (symbol: string) => options.pairs?.[symbol] ?? `${symbol.toUpperCase()}${quoteAsset}`

  async function* fetchCandles({ symbol, interval, since, until }: FetchCandlesParams) {
    const step = intervalMs(interval)
    const untilMs = until === undefined ? null : parseInstant(until, 'until')
    let startMs = alignUp(parseInstant(since, 'since'), interval)

    while (untilMs === null || startMs <= untilMs) {
      const url = klinesUrl(baseUrl, { pair: pairFor(symbol), interval, startMs, untilMs, limit: pageLimit })
      const rows = await fetchJson(url, { ...http, schema: BinanceKlines })
      const nowMs = now()
      const closed = rows.filter(
        (row) => row[6] < nowMs && row[0] >= startMs && (untilMs === null || row[0] <= untilMs),
      )
      const candles = closed.map((row) => toCandle(symbol, interval, row)).sort(byTime)
      if (candles.length > 0) yield candles

      const lastOpen = rows.at(-1)?.[0]
      const reachedOpenBar = closed.length < rows.length
      if (rows.length < pageLimit || lastOpen === undefined || reachedOpenBar) return
      if (lastOpen < startMs) throw new Error(`binance: klines for ${symbol} did not advance past ${startMs}`)
      startMs = lastOpen + step
    }
  }

  return { id: 'binance', intervals: ['1d', '1h'], fetchCandles }
}

function klinesUrl(
  baseUrl: string,
  q: { pair: string; interval: Interval; startMs: number; untilMs: number | null; limit: number },
): string {
  const params = new URLSearchParams({
    symbol: q.pair,
    interval: q.interval,
    startTime: String(q.startMs),
    limit: String(q.limit),
  })
  if (q.untilMs !== null) params.set('endTime', String(q.untilMs))
  return `${baseUrl}/api/v3/klines?${params}`
}

function toCandle(symbol: string, interval: Interval, row: BinanceKline): Candle {
  const [openTime, open, high, low, close, , , quoteVolume] = row
  return {
    symbol,
    time: toCandleTime(openTime, interval),
    open,
    high,
    low,
    close,
    volume: quoteVolume,
    marketCap: null,
  }
}

const byTime = (a: Candle, b: Candle) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)
