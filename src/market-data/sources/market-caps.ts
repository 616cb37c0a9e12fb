/**
 * Market caps for daily candles from a CoinGecko snapshot: `marketCap = circulatingSupply × close`.
 *
 * The exchanges give no supply data, and the snapshot's supply is today's. So by default only each symbol's LATEST
 * daily bar gets a market cap (there the approximation is tight). `scope: 'all'` applies today's supply to the
 * whole history: fine for ranking and weighting, wrong for tokens whose supply changed a lot (unlocks, burns).
 * Hourly bars keep `marketCap: null` by convention, so pass daily candles only.
 */
import type { Candle } from '../../lib/candle'
import type { MarketSnapshot } from './coingecko'

export interface FillMarketCapsOptions {
  /** @default 'latest' */
  scope?: 'latest' | 'all'
}

/** Returns new candles; bars of symbols without a known supply are returned unchanged. */
export function fillMarketCaps(
  dailyCandles: readonly Candle[],
  markets: readonly MarketSnapshot[],
  options: FillMarketCapsOptions = {},
): Candle[] {
  const supplyBySymbol = new Map<string, number>()
  for (const market of markets) {
    if (market.circulatingSupply !== null) supplyBySymbol.set(market.symbol, market.circulatingSupply)
  }
  const latestTime = new Map<string, string>()
  for (const candle of dailyCandles) {
    const seen = latestTime.get(candle.symbol)
    if (seen === undefined || candle.time > seen) latestTime.set(candle.symbol, candle.time)
  }
  return dailyCandles.map((candle) => {
    const supply = supplyBySymbol.get(candle.symbol)
    const inScope = options.scope === 'all' || latestTime.get(candle.symbol) === candle.time
    return supply !== undefined && inScope ? { ...candle, marketCap: supply * candle.close } : candle
  })
}
