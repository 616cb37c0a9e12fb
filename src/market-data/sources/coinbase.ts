/**
 * Coinbase Exchange candles (keyless): `GET /products/BTC-USD/candles?granularity=86400&start=ISO&end=ISO`.
 * @see https://docs.cdp.coinbase.com/exchange/reference/exchangerestapi_getproductcandles
 *
 * The response is `[time (unix s), low, high, open, close, volume (base units)]`, NEWEST FIRST, at most 300 bars per
 * request, with `start` and `end` both inclusive. We walk forward in windows of `maxCandlesPerRequest` bars.
 *
 * Volume approximation: Coinbase reports base-asset volume only, so `volume = baseVolume × close` (USD). That is
 * exact only if every trade printed at the close; over a bar it is typically within a few percent of true notional.
 */
import { z } from 'zod'
import type { Candle, Interval } from '../../lib/candle'
import { fetchJson, type RequestPolicy } from './http-client'
import { HostRateLimiter } from './rate-limiter'
import type { CandleSource, FetchCandlesParams } from './source'
import { alignDown, alignUp, intervalMs, isoSeconds, parseInstant, toCandleTime } from './time'

export const COINBASE_BASE_URL = 'https://api.exchange.coinbase.com'
export const COINBASE_MAX_CANDLES = 300

const Price = z.number().finite().nonnegative()
/** `[time, low, high, open, close, volume]`. */
export const CoinbaseCandle = z.tuple([z.number().int(), Price, Price, Price, Price, Price])
export const CoinbaseCandles = z.array(CoinbaseCandle)
export type CoinbaseCandle = z.infer<typeof CoinbaseCandle>

const GRANULARITY_SECONDS: Record<Interval, number> = { '1d': 86_400, '1h': 3_600 }

export interface CoinbaseSourceOptions {
  /** @default 'https://api.exchange.coinbase.com' */
  baseUrl?: string
  /** Symbol -> product overrides; others map to `SYMBOL-USD`. */
  products?: Record<string, string>
  /** Bars per request, at most 300. @default 300 */
  maxCandlesPerRequest?: number
  /** Public endpoints allow about 10 requests/s per IP. @default 150 */
  minIntervalMs?: number
  now?: () => number
  http?: RequestPolicy
}

export function createCoinbaseSource(options: CoinbaseSourceOptions = {}): CandleSource {
  const baseUrl = (options.baseUrl ?? COINBASE_BASE_URL).replace(/\/+$/, '')
  const perRequest = options.maxCandlesPerRequest ?? COINBASE_MAX_CANDLES
  if (!(perRequest >= 1 && perRequest <= COINBASE_MAX_CANDLES)) {
    throw new Error('coinbase: maxCandlesPerRequest must be 1..300')
  }
  const now = options.now ?? Date.now
  const http: RequestPolicy = {
    rateLimiter: new HostRateLimiter({ minIntervalMs: options.minIntervalMs ?? 150 }),
    ...options.http,
  }
  const productFor = (symbol: string) => options.products?.[symbol] ?? `${symbol.toUpperCase()}-USD`

  async function* fetchCandles({ symbol, interval, since, until }: FetchCandlesParams) {
    const step = intervalMs(interval)
    // Only closed bars: the newest one we ask for opened a full interval before now.
    const lastClosedOpen = alignDown(now(), interval) - step
    const untilMs =
      until === undefined ? lastClosedOpen : Math.min(parseInstant(until, 'until'), lastClosedOpen)
    const product = productFor(symbol)

    for (let start = alignUp(parseInstant(since, 'since'), interval); start <= untilMs; ) {
      const end = Math.min(start + (perRequest - 1) * step, untilMs)
      const url = candlesUrl(baseUrl, product, interval, start, end)
      const rows = await fetchJson(url, { ...http, schema: CoinbaseCandles })
      const candles = normalise(symbol, interval, rows, start, end)
      if (candles.length > 0) yield candles
      start = alignDown(end, interval) + step
    }
  }

  return { id: 'coinbase', intervals: ['1d', '1h'], fetchCandles }
}

function candlesUrl(
  baseUrl: string,
  product: string,
  interval: Interval,
  startMs: number,
  endMs: number,
): string {
  const params = new URLSearchParams({
    granularity: String(GRANULARITY_SECONDS[interval]),
    start: isoSeconds(startMs),
    end: isoSeconds(endMs),
  })
  return `${baseUrl}/products/${encodeURIComponent(product)}/candles?${params}`
}

/** Newest-first rows -> ascending candles inside [startMs, endMs], one per bar. */
function normalise(
  symbol: string,
  interval: Interval,
  rows: CoinbaseCandle[],
  startMs: number,
  endMs: number,
) {
  const byTime = new Map<number, Candle>()
  for (const [timeS, low, high, open, close, baseVolume] of rows) {
    const openMs = timeS * 1000
    if (openMs < startMs || openMs > endMs) continue
    const time = toCandleTime(openMs, interval)
    byTime.set(openMs, { symbol, time, open, high, low, close, volume: baseVolume * close, marketCap: null })
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([, candle]) => candle)
}
