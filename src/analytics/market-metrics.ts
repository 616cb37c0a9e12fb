/**
 * Market-wide daily metrics over the asset universe (the `market-metrics` analogue): total market cap, breadth
 * and a trend/breadth regime label. Method (docs/methodology.md §Q4):
 * - totalMarketCap = Σ marketCap over assets with a cap that day (the universe, not the whole crypto market);
 * - advancingShare = share of assets with a positive 1-day return; aboveSma50Share = share closing above their
 *   own 50-bar SMA (assets with fewer than 50 bars are left out of both numerator and denominator);
 * - regime: bull if SMA50(total cap) > SMA200(total cap) and aboveSma50Share > 0.5, bear if both are reversed
 *   (< and < 0.5), neutral otherwise; null until 200 days of totals exist.
 */
import { mean } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { lowerBound } from './returns'

export type SignalFlag = -1 | 0 | 1
export type MarketRegime = 'bull' | 'bear' | 'neutral'

export const BREADTH_SMA_DAYS = 50
export const REGIME_FAST_DAYS = 50
export const REGIME_SLOW_DAYS = 200

export interface MarketMetricsOptions {
  /** First day reported (history before it still feeds the averages). */
  startDate?: string
  /** Last day reported. */
  endDate?: string
  /** Latest per-asset trading signals (1 bullish, −1 bearish, 0 none); without them a price > SMA50 proxy is used. */
  signals?: Readonly<Record<string, SignalFlag>>
}

export interface MarketMetricsDay {
  time: string
  totalMarketCap: number
  assetsWithMarketCap: number
  /** Share of assets with a positive 1-day return; null when no asset has a return that day. */
  advancingShare: number | null
  assetsWithReturn: number
  /** Share of assets closing above their 50-bar SMA; null when no asset has 50 bars yet. */
  aboveSma50Share: number | null
  assetsWithSma50: number
  totalMarketCapSma50: number | null
  totalMarketCapSma200: number | null
  regime: MarketRegime | null
}

export interface SignalBreadth {
  source: 'signals' | 'price-above-sma50-proxy'
  /** Day the proxy was evaluated on (last reported day); null for provided signals. */
  asOf: string | null
  bullish: number
  bearish: number
  neutral: number
  total: number
  bullishShare: number | null
  note: string
}

export interface MarketMetricsResult {
  days: MarketMetricsDay[]
  latest: MarketMetricsDay | null
  signals: SignalBreadth
}

interface DayCounts {
  cap: number
  caps: number
  up: number
  returns: number
  above: number
  withSma: number
}

/** Simple moving average of the `period` values ending at `index`; null before enough values exist. */
export function smaAt(values: readonly number[], index: number, period: number): number | null {
  return index + 1 >= period ? mean(values.slice(index + 1 - period, index + 1)) : null
}

/** SMA at every index (null for the first period − 1). */
export function smaSeries(values: readonly number[], period: number): (number | null)[] {
  return values.map((_, i) => smaAt(values, i, period))
}

/** 1 above the SMA, −1 below, 0 equal; null without an SMA. */
const smaFlag = (close: number, sma: number | null): SignalFlag | null =>
  sma === null ? null : close > sma ? 1 : close < sma ? -1 : 0

export function regimeOf(
  fast: number | null,
  slow: number | null,
  aboveShare: number | null,
): MarketRegime | null {
  if (fast === null || slow === null || aboveShare === null) return null
  if (fast > slow && aboveShare > 0.5) return 'bull'
  if (fast < slow && aboveShare < 0.5) return 'bear'
  return 'neutral'
}

function countSignals(flags: readonly SignalFlag[]): Omit<SignalBreadth, 'source' | 'asOf' | 'note'> {
  const bullish = flags.filter((f) => f === 1).length
  const bearish = flags.filter((f) => f === -1).length
  const total = flags.length
  return {
    bullish,
    bearish,
    neutral: total - bullish - bearish,
    total,
    bullishShare: total > 0 ? bullish / total : null,
  }
}

export function computeMarketMetrics(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  options: MarketMetricsOptions = {},
): MarketMetricsResult {
  const { startDate, endDate, signals } = options
  const byDate = new Map<string, DayCounts>()
  const counts = (date: string): DayCounts => {
    let c = byDate.get(date)
    if (!c) {
      c = { cap: 0, caps: 0, up: 0, returns: 0, above: 0, withSma: 0 }
      byDate.set(date, c)
    }
    return c
  }

  for (const candles of Object.values(candlesBySymbol)) {
    const sma = smaSeries(
      candles.map((c) => c.close),
      BREADTH_SMA_DAYS,
    )
    for (let i = 0; i < candles.length; i++) {
      const bar = candles[i]!
      if (endDate !== undefined && bar.time > endDate) break
      const day = counts(bar.time)
      if (bar.marketCap !== null) {
        day.cap += bar.marketCap
        day.caps++
      }
      const prev = candles[i - 1]
      if (prev && prev.close > 0) {
        day.returns++
        if (bar.close > prev.close) day.up++
      }
      const flag = smaFlag(bar.close, sma[i] ?? null)
      if (flag !== null) {
        day.withSma++
        if (flag === 1) day.above++
      }
    }
  }

  const calendar = [...byDate.keys()].sort()
  const totals = calendar.map((d) => byDate.get(d)!.cap)
  const days: MarketMetricsDay[] = []
  calendar.forEach((time, i) => {
    if (startDate !== undefined && time < startDate) return
    const c = byDate.get(time)!
    const aboveSma50Share = c.withSma > 0 ? c.above / c.withSma : null
    const fast = smaAt(totals, i, REGIME_FAST_DAYS)
    const slow = smaAt(totals, i, REGIME_SLOW_DAYS)
    days.push({
      time,
      totalMarketCap: c.cap,
      assetsWithMarketCap: c.caps,
      advancingShare: c.returns > 0 ? c.up / c.returns : null,
      assetsWithReturn: c.returns,
      aboveSma50Share,
      assetsWithSma50: c.withSma,
      totalMarketCapSma50: fast,
      totalMarketCapSma200: slow,
      regime: regimeOf(fast, slow, aboveSma50Share),
    })
  })
  const latest = days[days.length - 1] ?? null
  return { days, latest, signals: signalBreadth(candlesBySymbol, latest?.time ?? null, signals) }
}

/** Signal breadth on `asOf`: the given signals, or the price-above-SMA50 proxy of the assets with a bar that day. */
export function signalBreadth(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  asOf: string | null,
  signals?: Readonly<Record<string, SignalFlag>>,
): SignalBreadth {
  if (signals) {
    return {
      source: 'signals',
      asOf: null,
      ...countSignals(Object.values(signals)),
      note: 'Share of provided trading signals that are bullish (1).',
    }
  }
  const flags: SignalFlag[] = []
  if (asOf !== null) {
    for (const candles of Object.values(candlesBySymbol)) {
      const i = lowerBound(candles, asOf)
      if (candles[i]?.time !== asOf) continue
      const flag = smaFlag(
        candles[i]!.close,
        smaAt(
          candles.map((c) => c.close),
          i,
          BREADTH_SMA_DAYS,
        ),
      )
      if (flag !== null) flags.push(flag)
    }
  }
  return {
    source: 'price-above-sma50-proxy',
    asOf,
    ...countSignals(flags),
    note: 'No trading signals given: proxy flags each asset bullish when its close is above its 50-day SMA, bearish when below.',
  }
}
