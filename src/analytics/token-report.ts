/**
 * Structured research summary for one token (the `token report` analogue): sections of numbers, each with a
 * sentence generated from fixed templates (no external model). Pure: {@link assembleTokenReport} formats
 * already-computed parts; {@link buildTokenReport} computes them from raw candles first.
 * Technical inputs (trading signal, trader grade) are accepted pre-computed so this module stays independent of
 * the technical-indicator modules. Thresholds for the wording: docs/methodology.md §Q6.
 */
import type { Candle } from '../lib/candle'
import {
  buildReturnIndex,
  type CorrelationEntry,
  type CorrelationResult,
  correlateAsset,
  correlationExtremes,
  type ReturnIndex,
} from './correlation'
import { computePricePrediction, type PricePrediction } from './price-prediction'
import { computeQuantMetrics, type QuantMetrics } from './quant-metrics'
import { formatPercent, formatRatio, formatUsd, joinList } from './report-format'
import { lastOnOrBefore, periodReturn } from './returns'
import type { TokenMeta } from './token-meta'

export const REPORT_PERIODS = [7, 30, 90, 365] as const
/** Annualised volatility below which wording says "low" / "moderate" (else "high"), crypto-relative. */
export const VOLATILITY_WORDING = { low: 0.6, moderate: 1 } as const

export interface TechnicalInputs {
  signal?: { signal: -1 | 0 | 1; lastChange: string }
  /** 0–100. */
  traderGrade?: number
}

export interface TokenReportParts {
  meta: TokenMeta
  /** The token's daily candles (for price and period returns). */
  candles: readonly Candle[]
  quant: QuantMetrics | null
  correlation: CorrelationResult | null
  prediction: PricePrediction | null
  /** Market-cap rank among the universe on the report date. */
  rank?: { rank: number; of: number } | null
  technical?: TechnicalInputs
  /** @default the token's last bar */
  endDate?: string
}

export interface TokenReport {
  symbol: string
  asOf: string
  overview: {
    name: string
    category: string
    price: number
    marketCap: number | null
    rank: { rank: number; of: number } | null
    summary: string
  }
  performance: { returns: Record<string, number | null>; summary: string }
  risk: { metrics: QuantMetrics | null; summary: string }
  correlation: {
    days: number | null
    /** Last return date of the window (= asOf when the token has a return that day); null without a result. */
    date: string | null
    mostCorrelated: CorrelationEntry[]
    leastCorrelated: CorrelationEntry[]
    summary: string
  }
  scenario: {
    /** Date of the close every upside is measured against (= asOf); null without scenarios. */
    date: string | null
    /** Last day with a market cap estimate: circulating supply and share history end there (= date unless it stopped). */
    supplyDate: string | null
    /** Median historical share of the universe's market cap. */
    baseShare: number | null
    baseCase: { totalMarketCap: number; price: number; upside: number }[]
    summary: string
  }
  technical: {
    signal: -1 | 0 | 1 | null
    lastChange: string | null
    traderGrade: number | null
    summary: string
  } | null
  /** Overview, performance, risk and scenario sentences joined. */
  summary: string
}

export interface BuildTokenReportOptions {
  endDate?: string
  technical?: TechnicalInputs
  /** Reuse a prebuilt index when reporting on many tokens. */
  returnIndex?: ReturnIndex
  /** @default 90 */
  correlationDays?: number
  /** @default 365 */
  riskDays?: number
  benchmarkSymbol?: string
  universeMarketShare?: number
}

const signalWord = { 1: 'bullish', 0: 'neutral', [-1]: 'bearish' } as const

function overviewSentence(parts: TokenReportParts, last: Candle, asOf: string): string {
  const { meta, rank } = parts
  const cap =
    last.marketCap !== null
      ? `an estimated market cap of ${formatUsd(last.marketCap)}`
      : 'no market cap estimate'
  const ranked = rank ? `, ranking #${rank.rank} of ${rank.of} tracked assets` : ''
  return `${meta.name} (${meta.symbol}) is a ${meta.category} asset trading at ${formatUsd(last.close)} on ${asOf} with ${cap}${ranked}.`
}

function performanceSentence(symbol: string, returns: Record<string, number | null>): string {
  const parts = Object.entries(returns)
    .filter((e): e is [string, number] => e[1] !== null)
    .map(([period, r]) => `${formatPercent(r, { signed: true })} over ${period.replace('d', ' days')}`)
  return parts.length > 0
    ? `${symbol} returned ${joinList(parts)}.`
    : `${symbol} has too little price history for period returns.`
}

/** " to 2025-04-30" when a section's own date is not the report's. */
const until = (date: string, asOf: string): string => (date === asOf ? '' : ` to ${date}`)

function riskSentence(symbol: string, q: QuantMetrics | null, benchmark: string, asOf: string): string {
  if (!q) return `There is not enough history to measure ${symbol}'s risk.`
  const level =
    q.volatility < VOLATILITY_WORDING.low
      ? 'low'
      : q.volatility < VOLATILITY_WORDING.moderate
        ? 'moderate'
        : 'high'
  const sharpe = q.sharpe === null ? '' : `, a Sharpe ratio of ${formatRatio(q.sharpe)}`
  const tail = formatPercent(q.tailProbability, { digits: 0 })
  const text = [
    `Over ${q.observations} days${until(q.endDate, asOf)} ${symbol} had annualised volatility of ${formatPercent(q.volatility)} (${level} for crypto)${sharpe} and a maximum drawdown of ${formatPercent(q.maxDrawdown)}.`,
    q.valueAtRisk < 0
      ? `On its worst ${tail} of days it lost ${formatPercent(-q.valueAtRisk)} or more, ${formatPercent(-q.conditionalValueAtRisk)} on average.`
      : `Even its worst ${tail} of days were not losses.`,
  ]
  if (q.beta !== null && symbol !== benchmark) {
    const moves = q.beta > 1 ? 'more than' : q.beta < 1 ? 'less than' : 'in line with'
    text.push(
      `Its beta to ${benchmark} is ${formatRatio(q.beta)}, so it has tended to move ${moves} ${benchmark}.`,
    )
  }
  return text.join(' ')
}

const listCorrelations = (entries: readonly CorrelationEntry[]): string =>
  joinList(entries.map((e) => `${e.symbol} (${formatRatio(e.correlation)})`))

function correlationSentence(
  symbol: string,
  result: CorrelationResult | null,
  n: number,
  asOf: string,
): TokenReport['correlation'] {
  const { most, least } = result ? correlationExtremes(result, n) : { most: [], least: [] }
  const summary =
    result && most.length > 0
      ? `Over ${result.days} days${until(result.endDate, asOf)} ${symbol}'s daily returns moved most closely with ${listCorrelations(most)} and least with ${listCorrelations(least)}.`
      : `Not enough overlapping history to compare ${symbol} with other assets.`
  return {
    days: result?.days ?? null,
    date: result?.endDate ?? null,
    mostCorrelated: most,
    leastCorrelated: least,
    summary,
  }
}

function scenarioSection(symbol: string, p: PricePrediction | null, asOf: string): TokenReport['scenario'] {
  if (!p) {
    return {
      date: null,
      supplyDate: null,
      baseShare: null,
      baseCase: [],
      summary: `No market cap history to build scenarios for ${symbol}.`,
    }
  }
  const baseCase = p.scenarios.map((s) => ({
    totalMarketCap: s.totalMarketCap,
    price: s.base.price,
    upside: s.base.upside,
  }))
  const cases = baseCase.map(
    (c) =>
      `${formatUsd(c.price)} (${formatPercent(c.upside, { signed: true, digits: 0 })}) at a ${formatUsd(c.totalMarketCap)} market`,
  )
  const against = p.asOf === asOf ? 'today' : `on ${p.asOf}`
  const text = [
    `Holding its median historical share of ${formatPercent(p.shares.base, { digits: 2 })} of tracked market cap, ${symbol} would be worth ${joinList(cases)}, against ${formatUsd(p.currentPrice)} ${against}.`,
  ]
  if (p.supplyDate !== p.asOf) {
    text.push(
      `${symbol}'s market cap estimate stops on ${p.supplyDate}, so its share history and circulating supply end there.`,
    )
  }
  return {
    date: p.asOf,
    supplyDate: p.supplyDate,
    baseShare: p.shares.base,
    baseCase,
    summary: text.join(' '),
  }
}

function technicalSection(symbol: string, t: TechnicalInputs | undefined): TokenReport['technical'] {
  if (!t || (t.signal === undefined && t.traderGrade === undefined)) return null
  const text: string[] = []
  if (t.signal)
    text.push(
      `${symbol}'s latest trading signal is ${signalWord[t.signal.signal]}, last changed on ${t.signal.lastChange}.`,
    )
  if (t.traderGrade !== undefined) text.push(`Its trader grade is ${t.traderGrade.toFixed(0)}/100.`)
  return {
    signal: t.signal?.signal ?? null,
    lastChange: t.signal?.lastChange ?? null,
    traderGrade: t.traderGrade ?? null,
    summary: text.join(' '),
  }
}

/** Formats already-computed parts into a report; throws if `candles` has no bar on or before endDate. */
export function assembleTokenReport(parts: TokenReportParts, benchmarkSymbol = 'BTC'): TokenReport {
  const { meta, candles, endDate } = parts
  const last = endDate === undefined ? candles[candles.length - 1] : lastOnOrBefore(candles, endDate)
  if (!last) throw new RangeError(`no ${meta.symbol} candle on or before ${endDate ?? 'the end of the data'}`)
  const asOf = last.time
  const returns = Object.fromEntries(REPORT_PERIODS.map((d) => [`${d}d`, periodReturn(candles, d, asOf)]))

  const overview = {
    name: meta.name,
    category: meta.category,
    price: last.close,
    marketCap: last.marketCap,
    rank: parts.rank ?? null,
    summary: overviewSentence(parts, last, asOf),
  }
  const performance = { returns, summary: performanceSentence(meta.symbol, returns) }
  const risk = {
    metrics: parts.quant,
    summary: riskSentence(meta.symbol, parts.quant, benchmarkSymbol, asOf),
  }
  const scenario = scenarioSection(meta.symbol, parts.prediction, asOf)
  return {
    symbol: meta.symbol,
    asOf,
    overview,
    performance,
    risk,
    correlation: correlationSentence(meta.symbol, parts.correlation, 3, asOf),
    scenario,
    technical: technicalSection(meta.symbol, parts.technical),
    summary: [overview.summary, performance.summary, risk.summary, scenario.summary].join(' '),
  }
}

/**
 * Market-cap rank of `symbol` among the assets with a positive cap on `asOf` itself: an asset whose data (or cap
 * estimate) stopped earlier would be ranked by a cap from another day.
 */
export function marketCapRank(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  symbol: string,
  asOf: string,
): { rank: number; of: number } | null {
  const caps: { symbol: string; cap: number }[] = []
  for (const [s, candles] of Object.entries(candlesBySymbol)) {
    const bar = lastOnOrBefore(candles, asOf)
    const cap = bar?.time === asOf ? bar.marketCap : null
    if (cap !== null && cap > 0) caps.push({ symbol: s, cap })
  }
  caps.sort((a, b) => b.cap - a.cap || (a.symbol < b.symbol ? -1 : 1))
  const i = caps.findIndex((c) => c.symbol === symbol)
  return i < 0 ? null : { rank: i + 1, of: caps.length }
}

/** Computes every section from raw candles; null when the symbol has no candles or no metadata. */
export function buildTokenReport(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  tokens: readonly TokenMeta[],
  symbol: string,
  options: BuildTokenReportOptions = {},
): TokenReport | null {
  const {
    endDate,
    technical,
    correlationDays = 90,
    riskDays = 365,
    benchmarkSymbol = 'BTC',
    universeMarketShare,
  } = options
  const meta = tokens.find((t) => t.symbol === symbol)
  const candles = candlesBySymbol[symbol] ?? []
  const last = endDate === undefined ? candles[candles.length - 1] : lastOnOrBefore(candles, endDate)
  if (!meta || !last) return null
  const asOf = last.time
  const index = options.returnIndex ?? buildReturnIndex(candlesBySymbol)
  return assembleTokenReport(
    {
      meta,
      candles,
      endDate: asOf,
      quant: computeQuantMetrics(candles, {
        days: riskDays,
        endDate: asOf,
        benchmark: candlesBySymbol[benchmarkSymbol],
      }),
      correlation: correlateAsset(index, symbol, { days: correlationDays, endDate: asOf }),
      prediction: computePricePrediction(candlesBySymbol, symbol, { endDate: asOf, universeMarketShare }),
      rank: marketCapRank(candlesBySymbol, symbol, asOf),
      technical,
    },
    benchmarkSymbol,
  )
}
