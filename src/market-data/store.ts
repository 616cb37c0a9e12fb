import type { Db } from '../db/client'
import {
  bumpDataVersion,
  type CandleQuery,
  candleSources,
  countCandles,
  countCandlesFromSource,
  deleteCandlesFromSource,
  deleteMeta,
  externalChangeCounter,
  getAllCandles,
  getCandles,
  getCursor,
  getDataVersion,
  getMeta,
  latestCandleTime,
  listTokens,
  mergeDataSource,
  setCursor,
  setMeta,
  upsertCandles,
  upsertTokens,
} from '../db/queries/market-data'
import type { NewToken, Token } from '../db/schema'
import type { Candle, Interval } from '../lib/candle'
import { DataVersionTracker, type DataVersionTrackerOptions } from './data-version'
import { SYNTHETIC_SOURCE } from './synthetic'

/** Labels for where the stored data came from; surfaced as `meta.source` on every data response. */
export type DataSource = 'csv' | 'binance' | 'coinbase' | 'coingecko' | 'synthetic-demo' | 'mixed'

/** Bars per interval. */
export interface BarCounts {
  daily: number
  hourly: number
}

/**
 * Market data as the catalog sees it: reads through the db queries, plus a data version that every write bumps so
 * caches keyed on it go stale the moment new data lands, whichever process wrote it.
 */
export class MarketStore {
  private readonly dataVersion: DataVersionTracker
  private readonly universeCache = new Map<
    Interval,
    { version: number; value: Promise<Map<string, Candle[]>> }
  >()
  private hasDataCache: { version: number; value: boolean } | undefined
  private tokensCache: { version: number; tokens: Token[]; bySymbol: Map<string, Token> } | undefined

  constructor(
    private readonly db: Db,
    options: DataVersionTrackerOptions = {},
  ) {
    this.dataVersion = new DataVersionTracker(
      { readVersion: () => getDataVersion(db), readChangeCounter: () => externalChangeCounter(db) },
      options,
    )
  }

  /** The current data version; `maxAgeMs` accepts one confirmed that long ago (see DataVersionTracker). */
  version(options?: { maxAgeMs?: number }): Promise<number> {
    return this.dataVersion.current(options)
  }

  async hasData(): Promise<boolean> {
    const version = await this.version()
    if (this.hasDataCache?.version !== version) {
      this.hasDataCache = { version, value: version > 0 && (await countCandles(this.db, '1d')) > 0 }
    }
    return this.hasDataCache.value
  }

  async source(): Promise<DataSource> {
    return ((await getMeta(this.db, 'data_source')) as DataSource | undefined) ?? 'csv'
  }

  async tokens(): Promise<{ tokens: Token[]; bySymbol: Map<string, Token> }> {
    const version = await this.version()
    if (this.tokensCache?.version !== version) {
      const tokens = await listTokens(this.db)
      this.tokensCache = { version, tokens, bySymbol: new Map(tokens.map((t) => [t.symbol, t])) }
    }
    return this.tokensCache
  }

  candles(query: CandleQuery): Promise<Candle[]> {
    return getCandles(this.db, query)
  }

  /** Every candle of an interval grouped by symbol; loaded once per data version (whole-universe analytics). */
  async allCandles(interval: Interval): Promise<Map<string, Candle[]>> {
    const version = await this.version()
    const cached = this.universeCache.get(interval)
    if (cached?.version === version) return cached.value
    const value = getAllCandles(this.db, interval)
    this.universeCache.set(interval, { version, value })
    return value
  }

  async latest(symbol: string, interval: Interval = '1d'): Promise<Candle | undefined> {
    const [candle] = await getCandles(this.db, { symbol, interval, limit: 1 })
    return candle
  }

  async asOf(): Promise<string | null> {
    return latestCandleTime(this.db, '1d')
  }

  async saveTokens(rows: NewToken[]): Promise<number> {
    const n = await upsertTokens(this.db, rows)
    await this.bump()
    return n
  }

  /** Upserts candles; returns how many were new rows (the rest updated existing bars). */
  async saveCandles(
    interval: Interval,
    candles: Candle[],
    source: Exclude<DataSource, 'mixed'>,
  ): Promise<number> {
    if (candles.length === 0) return 0
    const symbols = new Set(candles.map((c) => c.symbol))
    const [only] = symbols
    const countRows = () => countCandles(this.db, interval, symbols.size === 1 ? only : undefined)
    const before = await countRows()
    await upsertCandles(this.db, { interval, candles, source })
    const n = (await countRows()) - before
    await mergeDataSource(this.db, source)
    await this.bump()
    return n
  }

  /** How many bars of the synthetic demo dataset are stored (both zero: none). */
  async syntheticBars(): Promise<BarCounts> {
    return {
      daily: await countCandlesFromSource(this.db, '1d', SYNTHETIC_SOURCE),
      hourly: await countCandlesFromSource(this.db, '1h', SYNTHETIC_SOURCE),
    }
  }

  /**
   * Deletes the synthetic demo bars (so real data never mixes with them) and relabels the store by what is left.
   * Token metadata stays: the demo universe's names and categories are real. Returns what was removed.
   */
  async removeSyntheticBars(): Promise<BarCounts> {
    const removed = await this.syntheticBars()
    if (removed.daily + removed.hourly === 0) return removed
    await deleteCandlesFromSource(this.db, '1d', SYNTHETIC_SOURCE)
    await deleteCandlesFromSource(this.db, '1h', SYNTHETIC_SOURCE)
    const left = await candleSources(this.db)
    if (left.length === 0) await deleteMeta(this.db, 'data_source')
    else await setMeta(this.db, 'data_source', left.length === 1 ? left[0]! : 'mixed')
    await this.bump()
    return removed
  }

  getCursor(source: string, symbol: string, interval: Interval): Promise<string | null> {
    return getCursor(this.db, { source, symbol, interval })
  }

  setCursor(source: string, symbol: string, interval: Interval, lastTime: string): Promise<void> {
    return setCursor(this.db, { source, symbol, interval, lastTime })
  }

  private async bump(): Promise<void> {
    this.dataVersion.record(await bumpDataVersion(this.db))
  }
}
