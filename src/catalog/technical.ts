/**
 * Shared pieces of the technical endpoints (trading signals, grades, sentiment, levels, moonshots): whole-universe
 * results memoised per data version, signal-history rows, and rounding.
 */
import { type InvestorGrade, investorGrades } from '../analytics/investor-grade'
import { type MarketSentimentPoint, marketSentimentHistory } from '../analytics/market-sentiment'
import { type MoonshotsResult, moonshots } from '../analytics/moonshots'
import type { Signal, TradingSignalPoint } from '../analytics/trading-signal'
import type { MarketStore } from '../market-data/store'
import { type DailyUniverse, dailyUniverse } from './universe'

/** Round to 2 decimals (grades and scores; raw metrics keep full precision). */
export const round2 = (x: number) => Math.round(x * 100) / 100
export const round2OrNull = (x: number | null | undefined) => (x == null ? null : round2(x))

type Memo = Map<string, { version: number; value: Promise<unknown> }>
const memos = new WeakMap<MarketStore, Memo>()

/**
 * `compute(universe)` at most once per store, data version and key. A failed computation is not kept.
 */
export async function memoPerVersion<T>(
  market: MarketStore,
  key: string,
  compute: (universe: DailyUniverse) => T,
): Promise<T> {
  const version = await market.version()
  let memo = memos.get(market)
  if (!memo) {
    memo = new Map()
    memos.set(market, memo)
  }
  const cached = memo.get(key)
  if (cached?.version === version) return cached.value as Promise<T>
  const value = dailyUniverse(market).then(compute)
  memo.set(key, { version, value })
  value.catch(() => {
    if (memo.get(key)?.value === value) memo.delete(key)
  })
  return value
}

/** Investor grades of the whole daily universe as of its latest bar (cross-sectional, best first). */
export const universeInvestorGrades = (market: MarketStore): Promise<InvestorGrade[]> =>
  memoPerVersion(market, 'investor-grades', (u) => investorGrades(u.candles))

/** Market sentiment for every date of the daily universe (ascending). */
export const universeSentimentHistory = (market: MarketStore): Promise<MarketSentimentPoint[]> =>
  memoPerVersion(market, 'sentiment-history', (u) => marketSentimentHistory(u.candles))

/** Active and past moonshots as of the latest bar of the daily universe. */
export const universeMoonshots = (market: MarketStore): Promise<MoonshotsResult> =>
  memoPerVersion(market, 'moonshots', (u) => moonshots(u.candles))

export interface SignalRow {
  time: string
  close: number
  signal: Signal
  /** Last non-zero signal so far (0 if none). */
  trend: Signal
  /** First bar of the current run of equal signals (the first evaluable bar if it never changed). */
  since: string
  priceAtSignal: number
  roiSinceSignal: number | null
  barsSinceSignal: number
  spreadAtr: number
}

/**
 * Each point of a signal history with the run bookkeeping of `summarizeSignalHistory` (the last row equals its
 * summary): when the current signal started, the close then and the return since.
 */
export function signalRows(history: readonly TradingSignalPoint[]): SignalRow[] {
  const rows: SignalRow[] = []
  let start = 0
  let trend: Signal = 0
  history.forEach((p, i) => {
    if (i > 0 && p.signal !== history[i - 1]!.signal) start = i
    if (p.signal !== 0) trend = p.signal
    const at = history[start]!
    rows.push({
      time: p.time,
      close: p.close,
      signal: p.signal,
      trend,
      since: at.time,
      priceAtSignal: at.close,
      roiSinceSignal: at.close > 0 ? p.close / at.close - 1 : null,
      barsSinceSignal: i - start,
      spreadAtr: p.spreadAtr,
    })
  })
  return rows
}

/** Page `page` (1-based) of `limit` items from the start of a list. */
export function pageOf<T>(items: readonly T[], limit: number, page: number): T[] {
  const start = (page - 1) * limit
  return items.slice(start, start + limit)
}
