/**
 * Candle time keys <-> epoch milliseconds. Daily bars are keyed `YYYY-MM-DD` (UTC day), hourly bars by their open
 * time `YYYY-MM-DDTHH:00:00Z`; every bar opens on a UTC interval boundary.
 */
import type { Interval } from '../../lib/candle'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

export function intervalMs(interval: Interval): number {
  return interval === '1d' ? DAY_MS : HOUR_MS
}

/** Candle key of the bar that opens at `openMs`. */
export function toCandleTime(openMs: number, interval: Interval): string {
  const iso = new Date(openMs).toISOString()
  return interval === '1d' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00:00Z`
}

/** A date, or a date-time with an explicit offset (a bare local time would depend on the machine's time zone). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/

/** Epoch ms of an ISO date or date-time (`2024-01-01`, `2024-01-01T05:00:00Z`); throws a clear RangeError otherwise. */
export function parseInstant(value: string, label = 'time'): number {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) {
    throw new RangeError(
      `${label} must be an ISO date or a date-time with offset, got ${JSON.stringify(value)}`,
    )
  }
  return ms
}

/** Open time of the first bar that opens at or after `ms`. */
export function alignUp(ms: number, interval: Interval): number {
  const step = intervalMs(interval)
  return Math.ceil(ms / step) * step
}

/** Open time of the bar that contains `ms`. */
export function alignDown(ms: number, interval: Interval): number {
  const step = intervalMs(interval)
  return Math.floor(ms / step) * step
}

export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
