/**
 * Fear & greed style market sentiment over the whole universe (the `sentiments` analogue, price-based only):
 * four 0–100 components, averaged with equal weights (docs/methodology.md §T5). Every day uses only
 * data dated on or before it, so the history is free of look-ahead.
 *
 * - volatility: BTC 30-day realised vol vs its own 1-year average; calmer than usual = greed.
 *     score = clamp(50 − 50·log2(vol30 / avg1y), 0, 100)
 * - momentum: mean of logistic(BTC close / SMA125 − 1, scale 0.10) and logistic(median 30-day return of the
 *     universe, scale 0.10).
 * - breadth: 100 × share of assets closing above their own 50-day SMA.
 * - volume: universe 7-day average daily volume vs its 90-day average, over assets trading on all 90 days.
 *     score = clamp(50 + 50·log2(ratio), 0, 100)
 */
import { median, sampleStandardDeviation } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { sma } from './indicators'
import { addDays } from './returns'
import { clamp, logisticScore, weightedMean } from './score-maps'
import { latestTime, type Universe, universeTimes } from './universe'

export type SentimentLabel = 'Extreme Fear' | 'Fear' | 'Neutral' | 'Greed' | 'Extreme Greed'

/** Upper bounds (exclusive) of each label; anything at or above the last is Extreme Greed. */
export const SENTIMENT_LABEL_THRESHOLDS: readonly (readonly [below: number, label: SentimentLabel])[] = [
  [25, 'Extreme Fear'],
  [45, 'Fear'],
  [55, 'Neutral'],
  [75, 'Greed'],
]

export const SENTIMENT_PARAMS = {
  benchmark: 'BTC',
  volatilityDays: 30,
  volatilityAverageDays: 365,
  /** Fewest 30-day vol readings the 1-year average needs (the first year of data uses what exists). */
  volatilityAverageMinDays: 90,
  trendSmaDays: 125,
  momentumScale: 0.1,
  returnDays: 30,
  breadthSmaDays: 50,
  volumeShortDays: 7,
  volumeLongDays: 90,
  weights: { volatility: 0.25, momentum: 0.25, breadth: 0.25, volume: 0.25 },
} as const

export interface MarketSentimentOptions {
  /** Symbol of the volatility/trend benchmark. @default 'BTC' */
  benchmark?: string
}

export interface MarketSentimentHistoryOptions extends MarketSentimentOptions {
  /** First day reported (earlier data still feeds the look-backs). @default the first day of the universe */
  from?: string
  /** Last day reported. @default the last day of the universe */
  to?: string
}

export interface SentimentComponents {
  volatility: {
    score: number | null
    /** Annualised (√365) sample sd of the last 30 daily returns. */
    btcVolatility30d: number | null
    /** Mean of btcVolatility30d over the last 365 days. */
    btcVolatilityAverage1y: number | null
    ratio: number | null
  }
  momentum: {
    score: number | null
    /** BTC close / SMA125 − 1. */
    btcVsSma125: number | null
    /** Median over assets of close / close 30 days earlier − 1. */
    medianReturn30d: number | null
    assetsWithReturn: number
  }
  breadth: {
    score: number | null
    aboveSma50Share: number | null
    assetsWithSma50: number
  }
  volume: {
    score: number | null
    /** 7-day over 90-day average of the summed daily volume. */
    ratio: number | null
    assetsWithVolume: number
  }
}

export interface MarketSentimentPoint {
  time: string
  /** Null when no component can be computed. */
  score: number | null
  label: SentimentLabel | null
  components: SentimentComponents
}

export function sentimentLabel(score: number): SentimentLabel {
  for (const [below, label] of SENTIMENT_LABEL_THRESHOLDS) if (score < below) return label
  return 'Extreme Greed'
}

/** One asset's bars indexed by date, with its SMA50 and prefix sums of volume for O(1) window sums. */
interface AssetSeries {
  index: Map<string, number>
  closes: number[]
  sma50: (number | null)[]
  /** volumePrefix[i] = Σ volume[0 .. i−1]. */
  volumePrefix: number[]
}

function assetSeries(candles: readonly Candle[]): AssetSeries {
  const closes = candles.map((c) => c.close)
  const volumePrefix = [0]
  for (const c of candles) volumePrefix.push(volumePrefix[volumePrefix.length - 1]! + c.volume)
  return {
    index: new Map(candles.map((c, i) => [c.time, i])),
    closes,
    sma50: sma(closes, SENTIMENT_PARAMS.breadthSmaDays),
    volumePrefix,
  }
}

/** BTC 30-day vol per bar and its trailing 1-year mean (null until enough readings). */
function benchmarkVolatility(candles: readonly Candle[]): {
  vol: (number | null)[]
  average: (number | null)[]
} {
  const p = SENTIMENT_PARAMS
  const n = p.volatilityDays
  const vol: (number | null)[] = candles.map((_, i) => {
    if (i < n) return null
    const rets: number[] = []
    for (let k = i - n + 1; k <= i; k++) {
      const prev = candles[k - 1]!.close
      if (!(prev > 0)) return null
      rets.push(candles[k]!.close / prev - 1)
    }
    return sampleStandardDeviation(rets) * Math.sqrt(365)
  })
  // Trailing mean over the last 365 bars via prefix sums of the readings and of their count.
  const sums = [0]
  const counts = [0]
  for (const v of vol) {
    sums.push(sums[sums.length - 1]! + (v ?? 0))
    counts.push(counts[counts.length - 1]! + (v === null ? 0 : 1))
  }
  const average = vol.map((_, i) => {
    const start = Math.max(0, i + 1 - p.volatilityAverageDays)
    const count = counts[i + 1]! - counts[start]!
    return count >= p.volatilityAverageMinDays ? (sums[i + 1]! - sums[start]!) / count : null
  })
  return { vol, average }
}

/** Sentiment for each universe date in [from, to] (ascending). */
export function marketSentimentHistory(
  universe: Universe,
  options: MarketSentimentHistoryOptions = {},
): MarketSentimentPoint[] {
  const p = SENTIMENT_PARAMS
  const benchmark = options.benchmark ?? p.benchmark
  const dates = universeTimes(universe).filter(
    (d) => (options.from === undefined || d >= options.from) && (options.to === undefined || d <= options.to),
  )
  if (dates.length === 0) return []
  const assets = Object.keys(universe)
    .sort()
    .map((symbol) => assetSeries(universe[symbol]!))
  const btcCandles = universe[benchmark] ?? []
  const btc = assetSeries(btcCandles)
  const btcSma = sma(btc.closes, p.trendSmaDays)
  const btcVol = benchmarkVolatility(btcCandles)

  return dates.map((time): MarketSentimentPoint => {
    // Volatility and trend: the benchmark's bar on this date.
    const bi = btc.index.get(time)
    const vol30 = bi === undefined ? null : (btcVol.vol[bi] ?? null)
    const volAvg = bi === undefined ? null : (btcVol.average[bi] ?? null)
    const volRatio = vol30 !== null && volAvg !== null && volAvg > 0 ? vol30 / volAvg : null
    const volatilityScore =
      volRatio !== null && volRatio > 0 ? clamp(50 - 50 * Math.log2(volRatio), 0, 100) : null
    const trendSma = bi === undefined ? null : (btcSma[bi] ?? null)
    const btcVsSma = trendSma !== null && trendSma > 0 ? btc.closes[bi!]! / trendSma - 1 : null

    // Cross-sectional measures over every asset with a bar today.
    const returns30: number[] = []
    let withSma = 0
    let above = 0
    let short = 0
    let long = 0
    let withVolume = 0
    const from30 = addDays(time, -p.returnDays)
    const from90 = addDays(time, -(p.volumeLongDays - 1))
    for (const a of assets) {
      const i = a.index.get(time)
      if (i === undefined) continue
      const j = a.index.get(from30)
      if (j !== undefined && a.closes[j]! > 0) returns30.push(a.closes[i]! / a.closes[j]! - 1)
      const s = a.sma50[i]
      if (s != null) {
        withSma++
        if (a.closes[i]! > s) above++
      }
      // Only assets with a bar on each of the 90 days, so listings inside the window do not fake a surge.
      const k = a.index.get(from90)
      if (k !== undefined && i - k === p.volumeLongDays - 1) {
        withVolume++
        short += (a.volumePrefix[i + 1]! - a.volumePrefix[i + 1 - p.volumeShortDays]!) / p.volumeShortDays
        long += (a.volumePrefix[i + 1]! - a.volumePrefix[k]!) / p.volumeLongDays
      }
    }
    const medianReturn = returns30.length > 0 ? median(returns30) : null
    const momentumScore = weightedMean([
      { value: btcVsSma === null ? null : logisticScore(btcVsSma, p.momentumScale), weight: 1 },
      { value: medianReturn === null ? null : logisticScore(medianReturn, p.momentumScale), weight: 1 },
    ])
    const breadthShare = withSma > 0 ? above / withSma : null
    const volumeRatio = withVolume > 0 && long > 0 ? short / long : null
    const volumeScore =
      volumeRatio !== null && volumeRatio > 0 ? clamp(50 + 50 * Math.log2(volumeRatio), 0, 100) : null
    const breadthScore = breadthShare === null ? null : 100 * breadthShare

    const score = weightedMean([
      { value: volatilityScore, weight: p.weights.volatility },
      { value: momentumScore, weight: p.weights.momentum },
      { value: breadthScore, weight: p.weights.breadth },
      { value: volumeScore, weight: p.weights.volume },
    ])
    return {
      time,
      score,
      label: score === null ? null : sentimentLabel(score),
      components: {
        volatility: {
          score: volatilityScore,
          btcVolatility30d: vol30,
          btcVolatilityAverage1y: volAvg,
          ratio: volRatio,
        },
        momentum: {
          score: momentumScore,
          btcVsSma125: btcVsSma,
          medianReturn30d: medianReturn,
          assetsWithReturn: returns30.length,
        },
        breadth: { score: breadthScore, aboveSma50Share: breadthShare, assetsWithSma50: withSma },
        volume: { score: volumeScore, ratio: volumeRatio, assetsWithVolume: withVolume },
      },
    }
  })
}

/** Sentiment on `asOf` (default: the latest date of the universe); null if that date has no bars. */
export function marketSentiment(
  universe: Universe,
  options: MarketSentimentOptions & { asOf?: string } = {},
): MarketSentimentPoint | null {
  const asOf = options.asOf ?? latestTime(universe)
  if (asOf === undefined) return null
  const [point] = marketSentimentHistory(universe, { benchmark: options.benchmark, from: asOf, to: asOf })
  return point ?? null
}
