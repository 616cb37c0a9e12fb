/**
 * The whole daily universe in the shapes the analytics modules take, built once per data version and shared by the
 * quant endpoints. Derived structures (return index, indices, market metrics) are computed on first use and then
 * kept until the next ingestion bumps the version, so a cold request pays only for its own question.
 */
import { buildReturnIndex, type ReturnIndex } from '../analytics/correlation'
import { computeIndices, defaultIndexDefinitions, type IndexResult } from '../analytics/indices'
import { computeMarketMetrics, type MarketMetricsResult } from '../analytics/market-metrics'
import type { TokenMeta } from '../analytics/token-meta'
import type { Candle } from '../lib/candle'
import { ApiError } from '../lib/errors'
import type { MarketStore } from '../market-data/store'

/** Benchmark for beta and index performance (docs/methodology.md §Q1, §Q3). */
export const BENCHMARK_SYMBOL = 'BTC'
/** Category shown for a symbol we hold candles of but no metadata (or no category) for. */
export const UNCATEGORISED = 'Uncategorised'

export interface DailyUniverse {
  version: number
  /** Daily candles per symbol, ascending; only symbols with at least one bar. Shared: never mutate. */
  candles: Readonly<Record<string, readonly Candle[]>>
  /** One entry per symbol in `candles`; name and category fall back to the symbol and {@link UNCATEGORISED}. */
  tokens: readonly TokenMeta[]
  meta: ReadonlyMap<string, TokenMeta>
  returnIndex(): ReturnIndex
  /** top10, top50 and one index per real category, over all history. */
  indices(): readonly IndexResult[]
  /** Market metrics for every day of the data (no date filter: callers slice). */
  marketMetrics(): MarketMetricsResult
}

const memo = new WeakMap<MarketStore, { version: number; value: Promise<DailyUniverse> }>()

/** The universe for the store's current data version (built at most once per version and store). */
export async function dailyUniverse(market: MarketStore): Promise<DailyUniverse> {
  const version = await market.version()
  const cached = memo.get(market)
  if (cached?.version === version) return cached.value
  const value = buildUniverse(market, version)
  memo.set(market, { version, value })
  // A failed load must not stick for the whole version.
  value.catch(() => {
    if (memo.get(market)?.value === value) memo.delete(market)
  })
  return value
}

/** Calls `compute` once, on first use. */
function lazy<T>(compute: () => T): () => T {
  let done = false
  let value: T
  return () => {
    if (!done) {
      value = compute()
      done = true
    }
    return value
  }
}

async function buildUniverse(market: MarketStore, version: number): Promise<DailyUniverse> {
  const [all, { bySymbol }] = await Promise.all([market.allCandles('1d'), market.tokens()])
  const candles: Record<string, readonly Candle[]> = {}
  const tokens: TokenMeta[] = []
  const categorised: TokenMeta[] = []
  for (const [symbol, bars] of all) {
    if (bars.length === 0) continue
    candles[symbol] = bars
    const token = bySymbol.get(symbol)
    const meta = { symbol, name: token?.name ?? symbol, category: token?.category || UNCATEGORISED }
    tokens.push(meta)
    if (token?.category) categorised.push(meta)
  }
  return {
    version,
    candles,
    tokens,
    meta: new Map(tokens.map((t) => [t.symbol, t])),
    returnIndex: lazy(() => buildReturnIndex(candles)),
    // Sector indices only for categories we really know; uncategorised assets still count in top10/top50.
    indices: lazy(() =>
      computeIndices(
        candles,
        tokens,
        { benchmarkSymbol: BENCHMARK_SYMBOL },
        defaultIndexDefinitions(categorised),
      ),
    ),
    marketMetrics: lazy(() => computeMarketMetrics(candles)),
  }
}

/** The universe's candles of `symbol`, or the 404 every symbol endpoint gives for a symbol we hold no bars of. */
export function requireCandles(universe: DailyUniverse, symbol: string): readonly Candle[] {
  const candles = universe.candles[symbol]
  if (!candles) {
    throw new ApiError('unknownSymbol', `no market data for symbol ${symbol}`, {
      parameter: 'symbol',
      symbol,
    })
  }
  return candles
}

/** The index with this id, or a 404 naming the `index` parameter and the ids that exist. */
export function requireIndex(universe: DailyUniverse, id: string): IndexResult {
  const indices = universe.indices()
  const found = indices.find((i) => i.id === id)
  if (!found) {
    throw new ApiError('notFound', `no index ${id}; see /v1/indices for the list`, {
      parameter: 'index',
      index: id,
      available: indices.map((i) => i.id),
    })
  }
  return found
}

/** Page `page` (1-based) of `limit` items counted from the END of an ascending list, still ascending (as OHLCV). */
export function newestPage<T>(items: readonly T[], limit: number, page: number): T[] {
  const end = Math.max(0, items.length - (page - 1) * limit)
  return items.slice(Math.max(0, end - limit), end)
}

/** Standard message for assets left out of `data` because their history is too short to compute anything. */
export function insufficientHistoryMessage(symbols: readonly string[], need: string): string | undefined {
  if (symbols.length === 0) return undefined
  return `not enough history for ${symbols.join(', ')} (${need}); left out of data`
}

/**
 * Maps each requested symbol through `compute`; symbols it has too little history for (`null`) are collected rather
 * than failing the request, so the endpoint can name them in its message.
 */
export function perSymbol<T, R>(
  symbols: readonly string[],
  compute: (symbol: string) => T | null,
  toRow: (symbol: string, value: T) => R,
): { data: R[]; tooShort: string[] } {
  const data: R[] = []
  const tooShort: string[] = []
  for (const symbol of symbols) {
    const value = compute(symbol)
    if (value === null) tooShort.push(symbol)
    else data.push(toRow(symbol, value))
  }
  return { data, tooShort }
}
