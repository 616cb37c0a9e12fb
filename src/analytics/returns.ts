/**
 * Daily simple returns and date-window helpers shared by every quant module.
 * Conventions (docs/methodology.md §Q0): r_t = close_t / close_prev − 1 between consecutive bars, keyed by the
 * later bar's `YYYY-MM-DD`; a window of N days ending at `endDate` holds the closes dated endDate − N … endDate, i.e.
 * N returns when no day is missing. Dates are compared as strings, which is exact for `YYYY-MM-DD`.
 */
import type { Candle } from '../lib/candle'

const DAY_MS = 86_400_000

export interface DailyReturn {
  /** Date of the later close, `YYYY-MM-DD`. */
  time: string
  value: number
}

/** Two return series restricted to the dates both have, in ascending date order. */
export interface AlignedReturns {
  times: string[]
  a: number[]
  b: number[]
}

function dayMs(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new RangeError(`expected a YYYY-MM-DD date, got ${JSON.stringify(date)}`)
  return ms
}

/** `date` shifted by `days` calendar days (UTC). */
export function addDays(date: string, days: number): string {
  return new Date(dayMs(date) + days * DAY_MS).toISOString().slice(0, 10)
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS)
}

/**
 * Simple returns between consecutive bars. A bar whose previous close is not positive yields no return
 * (a zero price has no defined return); gaps in the calendar are not filled.
 */
export function dailyReturns(candles: readonly Candle[]): DailyReturn[] {
  const out: DailyReturn[] = []
  for (let i = 1; i < candles.length; i++) {
    const prev = candles[i - 1]!
    const cur = candles[i]!
    if (prev.close > 0) out.push({ time: cur.time, value: cur.close / prev.close - 1 })
  }
  return out
}

/** Date → return, for O(1) alignment against many other series. */
export function returnMap(returns: readonly DailyReturn[]): Map<string, number> {
  const map = new Map<string, number>()
  for (const r of returns) map.set(r.time, r.value)
  return map
}

/** Inner join of two return series on date; order follows `a`, which must be ascending. */
export function alignReturns(
  a: readonly DailyReturn[],
  b: readonly DailyReturn[] | ReadonlyMap<string, number>,
): AlignedReturns {
  const lookup =
    b instanceof Map ? (b as ReadonlyMap<string, number>) : returnMap(b as readonly DailyReturn[])
  const out: AlignedReturns = { times: [], a: [], b: [] }
  for (const r of a) {
    const other = lookup.get(r.time)
    if (other === undefined) continue
    out.times.push(r.time)
    out.a.push(r.value)
    out.b.push(other)
  }
  return out
}

/** Index of the first item with `time >= date` (items ascending by `time`). */
export function lowerBound(items: readonly { time: string }[], date: string): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[mid]!.time < date) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first item with `time > date`. */
export function upperBound(items: readonly { time: string }[], date: string): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[mid]!.time <= date) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Items with `from <= time <= to` (either bound optional). */
export function sliceByDate<T extends { time: string }>(
  items: readonly T[],
  from?: string,
  to?: string,
): T[] {
  const start = from === undefined ? 0 : lowerBound(items, from)
  const end = to === undefined ? items.length : upperBound(items, to)
  return items.slice(start, Math.max(start, end))
}

/** The last item with `time <= date`, or undefined. */
export function lastOnOrBefore<T extends { time: string }>(items: readonly T[], date: string): T | undefined {
  const i = upperBound(items, date)
  return i > 0 ? items[i - 1] : undefined
}

/** `endDate`, or the date of the last item when omitted; undefined for an empty series. */
export function resolveEndDate(items: readonly { time: string }[], endDate?: string): string | undefined {
  return endDate ?? items[items.length - 1]?.time
}

/**
 * Closes for an N-day window ending at `endDate` (default: the last bar): bars dated endDate − days … endDate
 * inclusive, so N + 1 closes and N returns on a gap-free series. `days` omitted = all history up to `endDate`.
 */
export function candleWindow(candles: readonly Candle[], days?: number, endDate?: string): Candle[] {
  const end = resolveEndDate(candles, endDate)
  if (end === undefined) return []
  return sliceByDate(candles, days === undefined ? undefined : addDays(end, -days), end)
}

/** Returns dated in (endDate − days, endDate]: the returns of {@link candleWindow}'s closes. */
export function returnWindow(
  returns: readonly DailyReturn[],
  days?: number,
  endDate?: string,
): DailyReturn[] {
  const end = resolveEndDate(returns, endDate)
  if (end === undefined) return []
  return sliceByDate(returns, days === undefined ? undefined : addDays(end, -days + 1), end)
}

/**
 * Point-to-point return over `days` calendar days ending at `endDate` (default: last bar): last close on or
 * before endDate over last close on or before endDate − days, minus 1. Null when the series does not reach back
 * that far (the asset is younger than the period) or the base close is not positive.
 */
export function periodReturn(candles: readonly Candle[], days: number, endDate?: string): number | null {
  const end = resolveEndDate(candles, endDate)
  if (end === undefined) return null
  const last = lastOnOrBefore(candles, end)
  const base = lastOnOrBefore(candles, addDays(end, -days))
  if (last === undefined || base === undefined || !(base.close > 0)) return null
  return last.close / base.close - 1
}
