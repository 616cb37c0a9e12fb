/**
 * Scenario analysis (the `price-prediction` / `scenario-analysis` analogue): what the asset would be worth if the
 * total crypto market reached a given size and the asset held its historical share of it.
 * Method (docs/methodology.md §Q5):
 * - "current" is the asset's last bar on or before endDate (asOf): its close is the price every upside is against;
 * - share_t = mcap_asset,t / Σ mcap_universe,t on every day the asset has a cap, up to its last cap on or before
 *   asOf (supplyDate, = asOf unless the cap estimate stopped);
 * - bear / base / moon share = 10th / 50th / 90th percentile of share_t (linear interpolation);
 * - implied cap = share × universeMarketShare × scenario total; implied price = implied cap / supply, where
 *   supply = cap / close on supplyDate; upside = implied price / close on asOf − 1.
 * Our universe is smaller than the whole market: `universeMarketShare` is the fraction of the whole market the
 * universe is assumed to represent (default 1, i.e. the universe stands in for the market, which overstates
 * implied prices by roughly 1 / the true fraction).
 */
import { quantile } from 'simple-statistics'
import type { Candle } from '../lib/candle'
import { addDays, lastOnOrBefore } from './returns'

/** Total crypto market caps of the scenarios, USD. */
export const DEFAULT_MARKET_SCENARIOS = [8e12, 16e12, 23e12, 31e12] as const
export const SCENARIO_PERCENTILES = { bear: 0.1, base: 0.5, moon: 0.9 } as const

export type ScenarioCase = keyof typeof SCENARIO_PERCENTILES

export interface PricePredictionOptions {
  /** Scenario totals for the whole crypto market, USD. @default 8T, 16T, 23T, 31T */
  scenarios?: readonly number[]
  /** Fraction (0, 1] of the whole crypto market cap that the universe represents. @default 1 */
  universeMarketShare?: number
  /** Last date used; the asset's last bar on or before it is "current". @default last bar */
  endDate?: string
  /** Share history length in calendar days ending at endDate; omit for all history. */
  days?: number
}

export interface ScenarioOutcome {
  /** Share of the universe used for this case. */
  share: number
  marketCap: number
  price: number
  /** price / currentPrice − 1 (0.5 = +50%), i.e. against the close on asOf. */
  upside: number
}

export interface MarketScenario {
  totalMarketCap: number
  bear: ScenarioOutcome
  base: ScenarioOutcome
  moon: ScenarioOutcome
}

export interface PricePrediction {
  symbol: string
  /** The asset's last bar on or before endDate: the date of currentPrice and of every upside. */
  asOf: string
  /** Close on asOf. */
  currentPrice: number
  /** Market cap on asOf; null when the asset has no cap estimate that day (then see supplyDate). */
  currentMarketCap: number | null
  /** Last bar on or before asOf with a positive cap: circulatingSupply is measured there and the share history ends there. */
  supplyDate: string
  /** Cap / close on supplyDate, held constant. */
  circulatingSupply: number
  /** Σ market cap of the universe on asOf. */
  currentUniverseMarketCap: number
  /** Share of the universe on asOf; null without a cap that day. */
  currentShare: number | null
  universeMarketShare: number
  historyStart: string
  observations: number
  shares: Record<ScenarioCase, number>
  scenarios: MarketScenario[]
}

/** Σ market cap of the universe per date (assets without a cap that day add nothing). */
export function universeMarketCaps(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
): Map<string, number> {
  const totals = new Map<string, number>()
  for (const candles of Object.values(candlesBySymbol)) {
    for (const c of candles) {
      if (c.marketCap !== null) totals.set(c.time, (totals.get(c.time) ?? 0) + c.marketCap)
    }
  }
  return totals
}

/** The asset's daily share of the universe's total market cap, for days on which it has a positive cap. */
export function marketCapShareHistory(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  symbol: string,
  from?: string,
  to?: string,
  totals: ReadonlyMap<string, number> = universeMarketCaps(candlesBySymbol),
): { time: string; share: number; total: number }[] {
  const out: { time: string; share: number; total: number }[] = []
  for (const c of candlesBySymbol[symbol] ?? []) {
    if ((from !== undefined && c.time < from) || (to !== undefined && c.time > to)) continue
    const total = totals.get(c.time)
    if (c.marketCap !== null && c.marketCap > 0 && total)
      out.push({ time: c.time, share: c.marketCap / total, total })
  }
  return out
}

/**
 * Bear/base/moon implied prices of `symbol` for each total-market scenario, priced against its close on asOf (its
 * last bar on or before endDate) even when its last market cap is older. Null when the asset has no bar with a
 * positive close, or none with a positive market cap and close, on or before endDate.
 */
export function computePricePrediction(
  candlesBySymbol: Readonly<Record<string, readonly Candle[]>>,
  symbol: string,
  options: PricePredictionOptions = {},
): PricePrediction | null {
  const { scenarios = DEFAULT_MARKET_SCENARIOS, universeMarketShare = 1, endDate, days } = options
  if (!(universeMarketShare > 0 && universeMarketShare <= 1)) {
    throw new RangeError(`universeMarketShare must be in (0, 1], got ${universeMarketShare}`)
  }
  const candles = candlesBySymbol[symbol] ?? []
  const priced = candles.filter((c) => c.close > 0)
  const current = endDate === undefined ? priced[priced.length - 1] : lastOnOrBefore(priced, endDate)
  if (!current) return null
  const withCap = priced.filter((c) => c.marketCap !== null && c.marketCap > 0)
  const supplyBar = lastOnOrBefore(withCap, current.time)
  if (!supplyBar) return null
  const totals = universeMarketCaps(candlesBySymbol)
  const from = days === undefined ? undefined : addDays(current.time, -days)
  const history = marketCapShareHistory(candlesBySymbol, symbol, from, supplyBar.time, totals)
  if (history.length === 0) return null

  const values = history.map((h) => h.share)
  const shares = {
    bear: quantile(values, SCENARIO_PERCENTILES.bear),
    base: quantile(values, SCENARIO_PERCENTILES.base),
    moon: quantile(values, SCENARIO_PERCENTILES.moon),
  }
  const supply = supplyBar.marketCap! / supplyBar.close
  const currentMarketCap = current.marketCap !== null && current.marketCap > 0 ? current.marketCap : null
  const currentUniverseMarketCap = totals.get(current.time) ?? 0
  const outcome = (share: number, total: number): ScenarioOutcome => {
    const marketCap = share * universeMarketShare * total
    const price = marketCap / supply
    return { share, marketCap, price, upside: price / current.close - 1 }
  }
  return {
    symbol,
    asOf: current.time,
    currentPrice: current.close,
    currentMarketCap,
    supplyDate: supplyBar.time,
    circulatingSupply: supply,
    currentUniverseMarketCap,
    currentShare:
      currentMarketCap !== null && currentUniverseMarketCap > 0
        ? currentMarketCap / currentUniverseMarketCap
        : null,
    universeMarketShare,
    historyStart: history[0]!.time,
    observations: history.length,
    shares,
    scenarios: scenarios.map((total) => ({
      totalMarketCap: total,
      bear: outcome(shares.bear, total),
      base: outcome(shares.base, total),
      moon: outcome(shares.moon, total),
    })),
  }
}
