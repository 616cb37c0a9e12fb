import type { Interval } from '../lib/candle'
import { messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'
import { DEFAULT_UNIVERSE } from './default-universe'
import { type IngestProgressEvent, type IngestSummary, runIngestion } from './ingest-pipeline'
import { createBinanceSource } from './sources/binance'
import { createCoinbaseSource } from './sources/coinbase'
import { createCoinGeckoSource } from './sources/coingecko'
import type { RequestPolicy } from './sources/http-client'
import { fillMarketCaps } from './sources/market-caps'
import type { CandleSource, CandleStore, SourceId } from './sources/source'
import type { MarketStore } from './store'
import { generateSyntheticDataset } from './synthetic'

/** Base URLs of the keyless public sources (overridable for proxies and for tests that replay them locally). */
export interface SourceUrls {
  binance?: string
  coinbase?: string
  coingecko?: string
}

export function createCandleSource(
  id: Exclude<SourceId, 'coingecko'>,
  urls: SourceUrls = {},
  http?: RequestPolicy,
): CandleSource {
  return id === 'binance'
    ? createBinanceSource({ baseUrl: urls.binance, http })
    : createCoinbaseSource({ baseUrl: urls.coinbase, http })
}

/** The SQLite-backed store seen through the pipeline's port. */
export function candleStoreFor(store: MarketStore): CandleStore {
  return {
    upsertCandles: (interval, candles, source) => store.saveCandles(interval, candles, source),
    getCursor: (source, symbol, interval) => store.getCursor(source, symbol, interval),
    setCursor: (source, symbol, interval, lastTime) => store.setCursor(source, symbol, interval, lastTime),
  }
}

export interface IngestOptions {
  store: MarketStore
  source: Exclude<SourceId, 'coingecko'>
  symbols: readonly string[]
  interval: Interval
  since: string
  until?: string
  urls?: SourceUrls
  http?: RequestPolicy
  onProgress?: (event: IngestProgressEvent) => void
}

/** Candles from an exchange into the store, resumable from the per-symbol cursor. */
export async function ingestCandles(options: IngestOptions): Promise<IngestSummary> {
  await ensureTokens(options.store, options.symbols)
  return runIngestion({
    source: createCandleSource(options.source, options.urls, options.http),
    store: candleStoreFor(options.store),
    symbols: options.symbols,
    interval: options.interval,
    since: options.since,
    until: options.until,
    onProgress: options.onProgress,
  })
}

/**
 * Market caps and circulating supply from CoinGecko: fills `marketCap` on each symbol's latest stored daily bar
 * (supply × close) and records the CoinGecko id. Returns how many symbols got a market cap.
 */
export async function ingestCoinGeckoMarkets(
  store: MarketStore,
  symbols: readonly string[],
  urls: SourceUrls = {},
) {
  const { bySymbol } = await store.tokens()
  const ids = symbols
    .map((s) => bySymbol.get(s)?.coingeckoId ?? DEFAULT_UNIVERSE.find((a) => a.symbol === s)?.coingeckoId)
    .filter((id): id is string => Boolean(id))
  const markets = await createCoinGeckoSource({ baseUrl: urls.coingecko }).fetchMarkets(ids)
  let updated = 0
  for (const symbol of symbols) {
    const latest = await store.latest(symbol)
    if (!latest) continue
    const [filled] = fillMarketCaps([latest], markets)
    if (filled && filled.marketCap !== latest.marketCap) {
      await store.saveCandles('1d', [filled], 'coingecko')
      updated++
    }
  }
  return { markets: markets.length, updated }
}

/** Tokens we ingest candles for get a metadata row (from the default universe when we know them). */
async function ensureTokens(store: MarketStore, symbols: readonly string[]): Promise<void> {
  const { bySymbol } = await store.tokens()
  const missing = symbols.filter((s) => !bySymbol.has(s))
  if (missing.length === 0) return
  await store.saveTokens(
    missing.map((symbol) => {
      const known = DEFAULT_UNIVERSE.find((a) => a.symbol === symbol)
      return {
        symbol,
        name: known?.name ?? symbol,
        category: known?.category ?? null,
        coingeckoId: known?.coingeckoId ?? null,
      }
    }),
  )
}

export interface FirstRunOptions {
  store: MarketStore
  logger: Logger
  urls?: SourceUrls
  /** Days of daily and hourly history to fetch. */
  dailyDays?: number
  hourlyDays?: number
  now?: () => number
  onProgress?: (event: IngestProgressEvent & { interval: Interval }) => void
}

export type FirstRunResult =
  | { source: 'binance'; daily: IngestSummary; hourly: IngestSummary }
  | { source: 'synthetic-demo'; reason: string }

/**
 * Devnet first run with an empty store: ingest the default universe from Binance (daily and hourly). When nothing at
 * all can be fetched (offline), say so and generate the clearly labelled synthetic demo dataset instead, so the
 * pay-per-call flow can still be tried. Never used on base/base-sepolia (the caller checks).
 */
export async function firstRunIngest(options: FirstRunOptions): Promise<FirstRunResult> {
  const { store, logger } = options
  const now = options.now ?? Date.now
  const symbols = DEFAULT_UNIVERSE.map((a) => a.symbol)
  const day = (offset: number) => new Date(now() - offset * 86_400_000).toISOString().slice(0, 10)
  await store.saveTokens(
    DEFAULT_UNIVERSE.map((a) => ({
      symbol: a.symbol,
      name: a.name,
      category: a.category,
      coingeckoId: a.coingeckoId,
    })),
  )
  logger.info('first run: ingesting the default universe from Binance', { symbols: symbols.length })
  // Probe with one symbol and few retries, so an offline machine learns it in seconds, not minutes.
  const since = day(options.dailyDays ?? 400)
  const probe = await ingestCandles({
    store,
    source: 'binance',
    symbols: symbols.slice(0, 1),
    interval: '1d',
    since,
    urls: options.urls,
    http: { retries: 1, timeoutMs: 5_000 },
  })
  if (probe.candles === 0) {
    const reason = probe.errors[0]?.message ?? 'no data returned'
    logger.warn(
      'first run: market data sources unreachable (offline?); generating a SYNTHETIC demo dataset',
      { reason },
    )
    const dataset = generateSyntheticDataset({
      endDate: day(1),
      days: options.dailyDays ?? 400,
      hourlyDays: options.hourlyDays ?? 30,
    })
    await store.saveCandles('1d', dataset.daily, 'synthetic-demo')
    await store.saveCandles('1h', dataset.hourly, 'synthetic-demo')
    logger.warn(
      'synthetic demo data loaded: every response says meta.source "synthetic-demo"; these are not market prices',
      {
        daily: dataset.daily.length,
        hourly: dataset.hourly.length,
      },
    )
    return { source: 'synthetic-demo', reason }
  }
  const daily = await ingestCandles({
    store,
    source: 'binance',
    symbols,
    interval: '1d',
    since,
    urls: options.urls,
    onProgress: (e) => options.onProgress?.({ ...e, interval: '1d' }),
  })
  const hourly = await ingestCandles({
    store,
    source: 'binance',
    symbols,
    interval: '1h',
    since: day(options.hourlyDays ?? 30),
    urls: options.urls,
    onProgress: (e) => options.onProgress?.({ ...e, interval: '1h' }),
  })
  await ingestCoinGeckoMarkets(store, symbols, options.urls).catch((error: unknown) =>
    logger.warn('first run: market caps unavailable', { error: messageOf(error) }),
  )
  logger.info('first run: done', {
    daily: daily.candles,
    hourly: hourly.candles,
    errors: daily.errors.length + hourly.errors.length,
  })
  return { source: 'binance', daily, hourly }
}

export interface RefreshOptions {
  store: MarketStore
  logger: Logger
  source: Exclude<SourceId, 'coingecko'>
  urls?: SourceUrls
  http?: RequestPolicy
}

/**
 * One refresh of every stored symbol: new daily and hourly bars from the cursor on (a week back at most). Synthetic
 * demo data is never refreshed (it would mix with real prices). Never throws: failures are logged.
 */
export async function refreshMarketData(options: RefreshOptions): Promise<void> {
  try {
    if ((await options.store.source()) === 'synthetic-demo') return
    const { tokens } = await options.store.tokens()
    const symbols = tokens.map((t) => t.symbol)
    if (symbols.length === 0) return
    const since = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)
    for (const interval of ['1d', '1h'] as const) {
      const summary = await ingestCandles({ ...options, symbols, interval, since })
      options.logger.info('market data refreshed', {
        interval,
        candles: summary.candles,
        errors: summary.errors.length,
      })
    }
  } catch (error) {
    options.logger.warn('market data refresh failed', { error: messageOf(error) })
  }
}

/** Keeps stored symbols fresh: {@link refreshMarketData} every `intervalMs`, never two at once. Returns a stop function. */
export function startMarketDataScheduler(options: RefreshOptions & { intervalMs: number }): () => void {
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      await refreshMarketData(options)
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void tick(), options.intervalMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
