import type { Config } from '../config/env'

export type Tier = 'free' | 'tier1' | 'tier2' | 'tier3'

/** USD list price of a tier as a decimal string (never a float). `null` for free endpoints. */
export function tierPriceUsd(config: Pick<Config, 'tierPricesUsd'>, tier: Tier): string | null {
  return tier === 'free' ? null : config.tierPricesUsd[tier]
}
