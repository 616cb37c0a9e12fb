/**
 * Moonshot picks (the `moonshot-tokens` analogue): small caps whose trader grade is rising on a volume surge.
 * Rules on each daily bar t (docs/methodology.md §T7):
 *   1. 0 < marketCap_t < maxMarketCap (unknown cap fails);
 *   2. traderGrade_t >= minGrade and traderGrade_t − traderGrade_{t−7} >= minGradeRise;
 *   3. mean(volume, last 7 bars) >= volumeSurge × mean(volume, last 30 bars).
 * A pick is entered at the close of the first bar of a streak where all rules hold, and exited at the close of
 * the first bar where they stop holding, or after `maxHoldBars` bars. After a max-hold exit the rules must stop
 * holding for at least one bar before the asset can be picked again. Everything uses data up to `asOf` only.
 */
import type { Candle } from '../lib/candle'
import { upperBound } from './returns'
import { traderGradeHistory } from './trader-grade'
import { latestTime, type Universe } from './universe'

export interface MoonshotOptions {
  /** Evaluation date; later bars are ignored. @default the latest bar of the universe */
  asOf?: string
  /** USD. @default 5e9 */
  maxMarketCap?: number
  /** @default 60 */
  minGrade?: number
  /** Grade points over `gradeRiseBars`. @default 10 */
  minGradeRise?: number
  /** @default 7 */
  gradeRiseBars?: number
  /** @default 7 */
  volumeShortBars?: number
  /** @default 30 */
  volumeLongBars?: number
  /** @default 1.5 */
  volumeSurge?: number
  /** @default 30 */
  maxHoldBars?: number
}

type ResolvedOptions = Required<Omit<MoonshotOptions, 'asOf'>>

export const MOONSHOT_DEFAULTS: ResolvedOptions = {
  maxMarketCap: 5e9,
  minGrade: 60,
  minGradeRise: 10,
  gradeRiseBars: 7,
  volumeShortBars: 7,
  volumeLongBars: 30,
  volumeSurge: 1.5,
  maxHoldBars: 30,
}

export interface MoonshotRuleCheck {
  time: string
  close: number
  marketCap: number | null
  traderGrade: number | null
  /** Grade now minus the grade `gradeRiseBars` bars earlier. */
  gradeChange: number | null
  /** mean(volume, short) / mean(volume, long). */
  volumeRatio: number | null
  smallCap: boolean
  gradeRising: boolean
  volumeSurge: boolean
  /** All three rules hold. */
  holds: boolean
}

export type MoonshotExitReason = 'rules' | 'maxHold'

export interface MoonshotTrade {
  symbol: string
  entryDate: string
  entryPrice: number
  /** Null while the pick is still open. */
  exitDate: string | null
  exitPrice: number | null
  exitReason: MoonshotExitReason | null
  /** Bars from entry to exit (or to the last bar while open). */
  barsHeld: number
  /** exitPrice (or the last close while open) / entryPrice − 1. */
  roi: number
  /** Rule values on the entry bar. */
  entry: MoonshotRuleCheck
}

export interface ActiveMoonshot extends MoonshotTrade {
  /** Last bar (= asOf). */
  time: string
  price: number
  /** Rule values on the last bar. */
  current: MoonshotRuleCheck
}

export interface MoonshotsResult {
  asOf: string
  /** Open picks on asOf, newest entry first. */
  active: ActiveMoonshot[]
  /** Closed picks, newest exit first. */
  past: MoonshotTrade[]
}

function resolve(options: MoonshotOptions): ResolvedOptions {
  return {
    ...MOONSHOT_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  }
}

/** Rule check of every bar (one asset, ascending daily bars). */
export function evaluateMoonshotRules(
  candles: readonly Candle[],
  options: MoonshotOptions = {},
): MoonshotRuleCheck[] {
  const o = resolve(options)
  const prefix = [0]
  for (const c of candles) prefix.push(prefix[prefix.length - 1]! + c.volume)
  const mean = (end: number, bars: number) => (prefix[end + 1]! - prefix[end + 1 - bars]!) / bars
  const volumeRatios = candles.map((_, i) => {
    const longMean = i + 1 >= o.volumeLongBars ? mean(i, o.volumeLongBars) : 0
    return longMean > 0 ? mean(i, o.volumeShortBars) / longMean : null
  })
  const isSmall = (c: Candle) => c.marketCap !== null && c.marketCap > 0 && c.marketCap < o.maxMarketCap
  const isSurge = (ratio: number | null) => ratio !== null && ratio >= o.volumeSurge
  // Grades are the costliest part: skip them when the cheap rules never hold together, as nothing can qualify.
  const grades = new Map<string, number>()
  if (candles.some((c, i) => isSmall(c) && isSurge(volumeRatios[i]!))) {
    for (const g of traderGradeHistory(candles)) grades.set(g.time, g.traderGrade)
  }

  return candles.map((c, i): MoonshotRuleCheck => {
    const grade = grades.get(c.time) ?? null
    const past = i >= o.gradeRiseBars ? grades.get(candles[i - o.gradeRiseBars]!.time) : undefined
    const gradeChange = grade !== null && past !== undefined ? grade - past : null
    const volumeRatio = volumeRatios[i]!
    const smallCap = isSmall(c)
    const gradeRising =
      grade !== null && gradeChange !== null && grade >= o.minGrade && gradeChange >= o.minGradeRise
    const volumeSurge = isSurge(volumeRatio)
    return {
      time: c.time,
      close: c.close,
      marketCap: c.marketCap,
      traderGrade: grade,
      gradeChange,
      volumeRatio,
      smallCap,
      gradeRising,
      volumeSurge,
      holds: smallCap && gradeRising && volumeSurge,
    }
  })
}

/** Walk one asset's rule checks into trades; the last one may still be open (exitDate null). */
export function moonshotTrades(
  symbol: string,
  checks: readonly MoonshotRuleCheck[],
  options: MoonshotOptions = {},
): MoonshotTrade[] {
  const { maxHoldBars } = resolve(options)
  const trades: MoonshotTrade[] = []
  let open: { index: number; check: MoonshotRuleCheck } | null = null
  let blocked = false
  const trade = (
    entry: { index: number; check: MoonshotRuleCheck },
    at: number,
    reason: MoonshotExitReason | null,
  ) => {
    const exit = checks[at]!
    return {
      symbol,
      entryDate: entry.check.time,
      entryPrice: entry.check.close,
      exitDate: reason === null ? null : exit.time,
      exitPrice: reason === null ? null : exit.close,
      exitReason: reason,
      barsHeld: at - entry.index,
      // Entries need a positive close, so the ratio is defined.
      roi: exit.close / entry.check.close - 1,
      entry: entry.check,
    }
  }
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!
    if (open !== null) {
      const reason: MoonshotExitReason | null = !check.holds
        ? 'rules'
        : i - open.index >= maxHoldBars
          ? 'maxHold'
          : null
      if (reason !== null) {
        trades.push(trade(open, i, reason))
        open = null
        blocked = reason === 'maxHold'
      }
    } else if (!check.holds) blocked = false
    else if (!blocked && check.close > 0) open = { index: i, check }
  }
  if (open !== null) trades.push(trade(open, checks.length - 1, null))
  return trades
}

/** Active and past moonshots over the universe as of `asOf`. Assets without a bar on asOf have no active pick. */
export function moonshots(universe: Universe, options: MoonshotOptions = {}): MoonshotsResult {
  const asOf = options.asOf ?? latestTime(universe) ?? ''
  const active: ActiveMoonshot[] = []
  const past: MoonshotTrade[] = []
  for (const symbol of Object.keys(universe).sort()) {
    const all = universe[symbol]!
    const candles = all.slice(0, upperBound(all, asOf))
    if (candles.length === 0) continue
    const checks = evaluateMoonshotRules(candles, options)
    for (const trade of moonshotTrades(symbol, checks, options)) {
      if (trade.exitDate !== null) past.push(trade)
      else if (candles[candles.length - 1]!.time === asOf) {
        const current = checks[checks.length - 1]!
        active.push({ ...trade, time: current.time, price: current.close, current })
      }
    }
  }
  active.sort((a, b) => b.entryDate.localeCompare(a.entryDate) || a.symbol.localeCompare(b.symbol))
  past.sort((a, b) => b.exitDate!.localeCompare(a.exitDate!) || a.symbol.localeCompare(b.symbol))
  return { asOf, active, past }
}
