import type { Config } from '../config/env'

export type Tier = 'free' | 'tier1' | 'tier2' | 'tier3'

/** USD list price of a tier as a decimal string (never a float). `null` for free endpoints. */
export function tierPriceUsd(config: Pick<Config, 'tierPricesUsd'>, tier: Tier): string | null {
  return tier === 'free' ? null : config.tierPricesUsd[tier]
}

/** The price of an endpoint of `tier` as a USD decimal string (`null`: free); the one tier table everything reads. */
export function usdPriceOf(config: Pick<Config, 'tierPricesUsd'>, endpoint: { tier: Tier }): string | null {
  return tierPriceUsd(config, endpoint.tier)
}
