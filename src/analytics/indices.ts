/**
 * Market-cap-weighted indices (the `indices`, `indices-holdings` and `indices-performance` analogues):
 * `top10`, `top50` and one per token category. Method (docs/methodology.md §Q3):
 * - inception at the close of the first calendar date >= startDate with an eligible asset, level 1000;
 * - rebalance at the last close of every month (= the previous close of the month's first day), weights
 *   w_i = mcap_i / Σ mcap, uncapped; assets without a positive market cap on that close are excluded;
 * - between rebalances the basket is held (weights drift with prices):
 *   level_t = level_R × Σ w_i × close_i,t / close_i,R, carrying a missing close forward.
 */
import type { Candle } from '../lib/candle'
import { addDays, lastOnOrBefore } from './returns'
import type { TokenMeta } from './token-meta'

export const INDEX_BASE_LEVEL = 1000
export const INDEX_PERFORMANCE_PERIODS = [7, 30, 90, 365] as const

export type IndexDefinition =
  | { id: string; name: string; kind: 'top'; size: number }
  | { id: string; name: string; kind: 'category'; category: string }

export interface IndexOptions {
  /** First date the index may start on. @default the first date in the data */
  startDate?: string
  /** Last date computed. @default the last date in the data */
  endDate?: string
  /** Symbol the performance is compared with. @default 'BTC' */
  benchmarkSymbol?: string
}

export interface IndexLevel {
  time: string
  level: number
}

export interface IndexHolding {
  symbol: string
  name: string | null
  category: string | null
  /** Weight at the last close after drifting since the last rebalance; sums to 1. */
  weight: number
  /** Weight set at the last rebalance; sums to 1. */
  rebalanceWeight: number
  /** Market cap (USD) on the index's end date; null if the asset has no cap estimate (or no bar) that day. */
  marketCap: number | null
  /** Latest close, carried forward when the asset has no bar on the end date. */
  price: number
  /** Date of that close (earlier than the end date only when it was carried forward). */
  priceDate: string
}

export interface IndexPerformance {
  /** `7d`, `30d`, `90d`, `365d` or `inception`. */
  period: string
  /** Base date of the comparison (last date <= end − days, or the inception date). */
  startDate: string | null
  indexReturn: number | null
  benchmarkReturn: number | null
  /** indexReturn − benchmarkReturn. */
  excessReturn: number | null
}

export interface IndexResult {
  id: string
  name: string
  kind: IndexDefinition['kind']
  benchmarkSymbol: string
  inceptionDate: string
  endDate: string
  lastRebalance: string
  /** Closes at which the basket was re-weighted (inception included), with its size. */
  rebalances: { date: string; constituents: number }[]
  levels: IndexLevel[]
  /** Descending by weight. */
  holdings: IndexHolding[]
  performance: IndexPerformance[]
}

/** Candles indexed by date, built once and shared by every index of a run. */
interface IndexUniverse {
  bars: Map<string, Map<string, Candle>>
  candles: Readonly<Record<string, readonly Candle[]>>
  calendar: string[]
  meta: Map<string, TokenMeta>
}

interface Holding {
  symbol: string
  weight: number
  basePrice: number
  price: number
  priceDate: string
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** `top10`, `top50` and `sector-<category slug>` for every category present in `tokens` (sorted). */
export function defaultIndexDefinitions(tokens: readonly TokenMeta[]): IndexDefinition[] {
  const categories = [...new Set(tokens.map((t) => t.category))].sort()
  return [
    { id: 'top10', name: 'Top 10', kind: 'top', size: 10 },
    { id: 'top50', name: 'Top 50', kind: 'top', size: 50 },
    ...categories.map(
      (category): IndexDefinition => ({
        id: `sector-${slug(category)}`,
        name: category,
        kind: 'category',
        category,
      }),
    ),
  ]
}

function buildUniverse(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  tokens: readonly TokenMeta[],
): IndexUniverse {
  const bars = new Map<string, Map<string, Candle>>()
  const dates = new Set<string>()
  for (const [symbol, candles] of Object.entries(candlesBySymbol)) {
    const byDate = new Map<string, Candle>()
    for (const c of candles) {
      byDate.set(c.time, c)
      dates.add(c.time)
    }
    bars.set(symbol, byDate)
  }
  return {
    bars,
    candles: candlesBySymbol,
    calendar: [...dates].sort(),
    meta: new Map(tokens.map((t) => [t.symbol, t])),
  }
}

function candidates(universe: IndexUniverse, definition: IndexDefinition): string[] {
  const symbols = [...universe.bars.keys()]
  if (definition.kind === 'top') return symbols
  return symbols.filter((s) => universe.meta.get(s)?.category === definition.category)
}

/** Cap weights from the closes of `date`; empty when no candidate has a positive market cap there. */
function select(
  universe: IndexUniverse,
  definition: IndexDefinition,
  pool: string[],
  date: string,
): Holding[] {
  const eligible: { symbol: string; cap: number; price: number }[] = []
  for (const symbol of pool) {
    const bar = universe.bars.get(symbol)?.get(date)
    if (bar && bar.marketCap !== null && bar.marketCap > 0 && bar.close > 0) {
      eligible.push({ symbol, cap: bar.marketCap, price: bar.close })
    }
  }
  eligible.sort((a, b) => b.cap - a.cap || (a.symbol < b.symbol ? -1 : 1))
  const chosen = definition.kind === 'top' ? eligible.slice(0, definition.size) : eligible
  const total = chosen.reduce((acc, e) => acc + e.cap, 0)
  return chosen.map((e) => ({
    symbol: e.symbol,
    weight: e.cap / total,
    basePrice: e.price,
    price: e.price,
    priceDate: date,
  }))
}

/** Holdings' current values relative to the last rebalance: Σ w_i × price_i / basePrice_i. */
const basketGrowth = (holdings: readonly Holding[]): number =>
  holdings.reduce((acc, h) => acc + (h.weight * h.price) / h.basePrice, 0)

function runIndex(
  universe: IndexUniverse,
  definition: IndexDefinition,
  options: IndexOptions,
): IndexResult | null {
  const { startDate, endDate, benchmarkSymbol = 'BTC' } = options
  const pool = candidates(universe, definition)
  const calendar = universe.calendar.filter(
    (d) => (startDate === undefined || d >= startDate) && (endDate === undefined || d <= endDate),
  )

  let start = 0
  let holdings: Holding[] = []
  for (; start < calendar.length; start++) {
    holdings = select(universe, definition, pool, calendar[start]!)
    if (holdings.length > 0) break
  }
  if (holdings.length === 0) return null

  const inceptionDate = calendar[start]!
  const levels: IndexLevel[] = [{ time: inceptionDate, level: INDEX_BASE_LEVEL }]
  const rebalances = [{ date: inceptionDate, constituents: holdings.length }]
  let rebalanceLevel = INDEX_BASE_LEVEL
  for (let i = start + 1; i < calendar.length; i++) {
    const date = calendar[i]!
    for (const h of holdings) {
      const bar = universe.bars.get(h.symbol)?.get(date)
      if (bar && bar.close > 0) {
        h.price = bar.close
        h.priceDate = date
      }
    }
    const level = rebalanceLevel * basketGrowth(holdings)
    levels.push({ time: date, level })
    // Last close of a month: re-weight for the month that starts with the next calendar date.
    const next = calendar[i + 1]
    if (next !== undefined && next.slice(0, 7) !== date.slice(0, 7)) {
      const reweighted = select(universe, definition, pool, date)
      // With no eligible asset the old basket is kept (weights keep drifting).
      if (reweighted.length > 0) {
        holdings = reweighted
        rebalanceLevel = level
        rebalances.push({ date, constituents: holdings.length })
      }
    }
  }

  const end = levels[levels.length - 1]!.time
  return {
    id: definition.id,
    name: definition.name,
    kind: definition.kind,
    benchmarkSymbol,
    inceptionDate,
    endDate: end,
    lastRebalance: rebalances[rebalances.length - 1]!.date,
    rebalances,
    levels,
    holdings: currentHoldings(universe, holdings, end),
    performance: indexPerformance(levels, universe.candles[benchmarkSymbol] ?? [], inceptionDate, end),
  }
}

function currentHoldings(universe: IndexUniverse, holdings: readonly Holding[], end: string): IndexHolding[] {
  const growth = basketGrowth(holdings)
  return holdings
    .map((h): IndexHolding => {
      const meta = universe.meta.get(h.symbol)
      // A cap from an earlier bar would be another day's cap next to today's weights.
      const endBar = universe.bars.get(h.symbol)?.get(end)
      return {
        symbol: h.symbol,
        name: meta?.name ?? null,
        category: meta?.category ?? null,
        weight: (h.weight * h.price) / h.basePrice / growth,
        rebalanceWeight: h.weight,
        marketCap: endBar?.marketCap ?? null,
        price: h.price,
        priceDate: h.priceDate,
      }
    })
    .sort((a, b) => b.weight - a.weight || (a.symbol < b.symbol ? -1 : 1))
}

function indexPerformance(
  levels: readonly IndexLevel[],
  benchmark: readonly Candle[],
  inceptionDate: string,
  end: string,
): IndexPerformance[] {
  const endLevel = levels[levels.length - 1]!.level
  const endBench = lastOnOrBefore(benchmark, end)
  const row = (period: string, base: string | null): IndexPerformance => {
    const baseLevel = base === null ? undefined : lastOnOrBefore(levels, base)
    const baseBench = base === null ? undefined : lastOnOrBefore(benchmark, base)
    const indexReturn = baseLevel ? endLevel / baseLevel.level - 1 : null
    const benchmarkReturn =
      baseBench && endBench && baseBench.close > 0 ? endBench.close / baseBench.close - 1 : null
    return {
      period,
      startDate: baseLevel?.time ?? null,
      indexReturn,
      benchmarkReturn,
      excessReturn: indexReturn !== null && benchmarkReturn !== null ? indexReturn - benchmarkReturn : null,
    }
  }
  return [
    ...INDEX_PERFORMANCE_PERIODS.map((days) => {
      const base = addDays(end, -days)
      // An index younger than the period has no return for it.
      return row(`${days}d`, base >= inceptionDate ? base : null)
    }),
    row('inception', inceptionDate),
  ]
}

/** One index over `candlesBySymbol`; null when no asset is ever eligible. */
export function computeIndex(
  definition: IndexDefinition,
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  tokens: readonly TokenMeta[],
  options: IndexOptions = {},
): IndexResult | null {
  return runIndex(buildUniverse(candlesBySymbol, tokens), definition, options)
}

/** Every index in `definitions` (default {@link defaultIndexDefinitions}), sharing one date index of the data. */
export function computeIndices(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  tokens: readonly TokenMeta[],
  options: IndexOptions = {},
  definitions: readonly IndexDefinition[] = defaultIndexDefinitions(tokens),
): IndexResult[] {
  const universe = buildUniverse(candlesBySymbol, tokens)
  return definitions.flatMap((d) => runIndex(universe, d, options) ?? [])
}
