import { parseDecimal } from '../../lib/money'
import type { PriceReading, TmaiPriceSource } from './port'

export interface FixedPriceSourceOptions {
  /** USD per TMAI, a decimal string (`TMAI_USD`, "0.0007" on the devnet). */
  usd: string
  now?: () => number
}

/**
 * A constant rate from config. Always "fresh" (observed now), so it must be reported as fixed wherever it is shown:
 * it is a devnet convenience, not a market price.
 * @throws {InvalidDecimalError} at creation when `usd` is not a decimal string
 */
export function createFixedPriceSource(options: FixedPriceSourceOptions): TmaiPriceSource {
  parseDecimal(options.usd)
  const now = options.now ?? Date.now
  return {
    read: async (): Promise<PriceReading> => ({
      usd: options.usd,
      observedAt: now(),
      source: 'fixed',
      detail: { note: 'fixed devnet rate' },
    }),
  }
}
