import type { PublicClient } from 'viem'
import type { Config } from '../config/env'
import type { TmaiRateFeed } from './tmai-offers'

/**
 * The configured TMAI/USD source behind the quote book's port. `none` means TMAI is not offered at all.
 * Real sources (DEX TWAP, HTTP price API) are guarded: stale or out-of-band readings yield no rate.
 */
export function createTmaiFeed(config: Config, _client: PublicClient): TmaiRateFeed | undefined {
  switch (config.tmai.priceSource) {
    case 'none':
      return undefined
    case 'fixed':
      return {
        current: async () => ({ ok: true, usd: config.tmaiUsd, observedAt: Date.now(), source: 'fixed' }),
      }
    default:
      return {
        current: async () => ({
          ok: false,
          reason: 'unavailable',
          message: `TMAI price source ${config.tmai.priceSource} is not wired yet`,
        }),
      }
  }
}
