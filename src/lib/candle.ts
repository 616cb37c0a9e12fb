import { z } from 'zod'

/** Candle intervals we store. `1d` bars are keyed by UTC calendar day, `1h` bars by their ISO open time. */
export const Interval = z.enum(['1d', '1h'])
export type Interval = z.infer<typeof Interval>

/**
 * One OHLCV bar as every layer sees it. Prices are USD(T) floats: they are market observations, not money we move.
 * `volume` is quote-currency (USD) notional. `marketCap` is USD, null where unknown (always null for hourly bars).
 */
export const Candle = z.object({
  symbol: z.string().min(1),
  /** `YYYY-MM-DD` for daily bars, `YYYY-MM-DDTHH:00:00Z` (bar open) for hourly bars. */
  time: z.string(),
  open: z.number().finite().nonnegative(),
  high: z.number().finite().nonnegative(),
  low: z.number().finite().nonnegative(),
  close: z.number().finite().nonnegative(),
  volume: z.number().finite().nonnegative(),
  marketCap: z.number().finite().nonnegative().nullable(),
})
export type Candle = z.infer<typeof Candle>
