/**
 * CoinGecko markets snapshot (keyless public API):
 * `GET /api/v3/coins/markets?vs_currency=usd&ids=bitcoin,ethereum&per_page=250&page=1`.
 * @see https://docs.coingecko.com/v3.0.1/reference/coins-markets
 *
 * Used for market caps, circulating supply and the top-by-market-cap list, not for candle history
 * (`intervals` is empty and `fetchCandles` throws {@link SourceUnsupportedError}).
 * The keyless tier allows only a few requests per minute, hence the slow default pacing.
 */
import { z } from 'zod'
import { SourceUnsupportedError } from './errors'
import { fetchJson, type RequestPolicy } from './http-client'
import { HostRateLimiter } from './rate-limiter'
import type { CandleSource, FetchCandlesParams } from './source'

export const COINGECKO_BASE_URL = 'https://api.coingecko.com'
export const COINGECKO_MAX_PER_PAGE = 250

const Amount = z.number().finite().nonnegative()

/** One row of `/coins/markets`. Only the fields we use are checked; the rest pass through untouched. */
export const CoinGeckoMarket = z.looseObject({
  id: z.string().min(1),
  symbol: z.string().min(1),
  name: z.string(),
  current_price: Amount.nullable(),
  market_cap: Amount.nullable(),
  market_cap_rank: z.number().int().positive().nullable(),
  circulating_supply: Amount.nullable(),
  total_volume: Amount.nullable(),
  last_updated: z.string().nullable(),
})
export const CoinGeckoMarkets = z.array(CoinGeckoMarket)
export type CoinGeckoMarket = z.infer<typeof CoinGeckoMarket>

/** A normalised markets row. CoinGecko reports unknown market cap / supply as 0; those become null here. */
export interface MarketSnapshot {
  /** Upper-case ticker (`BTC`). */
  symbol: string
  coingeckoId: string
  name: string
  /** USD. */
  price: number | null
  /** USD. */
  marketCap: number | null
  circulatingSupply: number | null
  /** USD, rolling 24 h. */
  volume24h: number | null
  rank: number | null
  /** ISO date-time of CoinGecko's last update. */
  lastUpdated: string | null
}

export interface CoinGeckoSource extends CandleSource {
  /** Snapshots for the given CoinGecko ids (any number; requested 250 per call), in CoinGecko's market-cap order. */
  fetchMarkets(ids: readonly string[]): Promise<MarketSnapshot[]>
  /** The `limit` largest assets by market cap. */
  fetchTopMarkets(limit: number): Promise<MarketSnapshot[]>
}

export interface CoinGeckoSourceOptions {
  /** @default 'https://api.coingecko.com' */
  baseUrl?: string
  /** Rows per request, at most 250. @default 250 */
  perPage?: number
  /** The keyless tier allows roughly 5-30 calls/min depending on load. @default 2500 */
  minIntervalMs?: number
  http?: RequestPolicy
}

export function createCoinGeckoSource(options: CoinGeckoSourceOptions = {}): CoinGeckoSource {
  const baseUrl = (options.baseUrl ?? COINGECKO_BASE_URL).replace(/\/+$/, '')
  const perPage = options.perPage ?? COINGECKO_MAX_PER_PAGE
  if (!(perPage >= 1 && perPage <= COINGECKO_MAX_PER_PAGE))
    throw new Error('coingecko: perPage must be 1..250')
  const http: RequestPolicy = {
    rateLimiter: new HostRateLimiter({ minIntervalMs: options.minIntervalMs ?? 2500 }),
    ...options.http,
  }

  const marketsPage = async (query: Record<string, string>) => {
    const params = new URLSearchParams({ vs_currency: 'usd', ...query, per_page: String(perPage) })
    const rows = await fetchJson(`${baseUrl}/api/v3/coins/markets?${params}`, {
      ...http,
      schema: CoinGeckoMarkets,
    })
    return rows.map(toSnapshot)
  }

  async function fetchMarkets(ids: readonly string[]): Promise<MarketSnapshot[]> {
    const unique = [...new Set(ids)]
    const snapshots: MarketSnapshot[] = []
    for (let i = 0; i < unique.length; i += perPage) {
      const chunk = unique.slice(i, i + perPage)
      snapshots.push(...(await marketsPage({ ids: chunk.join(','), page: '1' })))
    }
    return snapshots
  }

  async function fetchTopMarkets(limit: number): Promise<MarketSnapshot[]> {
    const snapshots: MarketSnapshot[] = []
    for (let page = 1; snapshots.length < limit; page++) {
      const rows = await marketsPage({ order: 'market_cap_desc', page: String(page) })
      snapshots.push(...rows)
      if (rows.length < perPage) break
    }
    return snapshots.slice(0, limit)
  }

  // biome-ignore lint/correctness/useYield: the interface needs a generator; this source has no candle history.
  async function* fetchCandles({ interval }: FetchCandlesParams): AsyncGenerator<never, void, undefined> {
    throw new SourceUnsupportedError(
      `coingecko: no ${interval} candle history; use fetchMarkets for market caps`,
    )
  }

  return { id: 'coingecko', intervals: [], fetchCandles, fetchMarkets, fetchTopMarkets }
}

function toSnapshot(row: CoinGeckoMarket): MarketSnapshot {
  const positiveOrNull = (value: number | null) => (value === null || value === 0 ? null : value)
  return {
    symbol: row.symbol.toUpperCase(),
    coingeckoId: row.id,
    name: row.name,
    price: row.current_price,
    marketCap: positiveOrNull(row.market_cap),
    circulatingSupply: positiveOrNull(row.circulating_supply),
    volume24h: row.total_volume,
    rank: row.market_cap_rank,
    lastUpdated: row.last_updated,
  }
}
