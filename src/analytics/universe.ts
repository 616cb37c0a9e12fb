/**
 * Helpers for functions that take the whole universe (`Record<symbol, Candle[]>`, each array ascending).
 */
import type { Candle } from '../lib/candle'

export type Universe = Readonly<Record<string, readonly Candle[]>>

/** Latest bar time across the universe, or undefined if every series is empty. */
export function latestTime(universe: Universe): string | undefined {
  let latest: string | undefined
  for (const candles of Object.values(universe)) {
    const t = candles[candles.length - 1]?.time
    if (t !== undefined && (latest === undefined || t > latest)) latest = t
  }
  return latest
}

/** Every bar time present in at least one asset, ascending. */
export function universeTimes(universe: Universe): string[] {
  const times = new Set<string>()
  for (const candles of Object.values(universe)) for (const c of candles) times.add(c.time)
  return [...times].sort()
}
