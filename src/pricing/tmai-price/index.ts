/**
 * The configured TMAI/USD feed: one source chosen by `TMAI_PRICE_SOURCE`, behind the guard and its cache.
 * `none` (or a network without TMAI) gives no feed at all, so TMAI is simply not offered.
 */
import type { PublicClient } from 'viem'
import type { Config } from '../../config/env'
import type { NetworkConfig } from '../../config/networks'
import { createDexTwapPriceSource } from './dex-twap'
import { createFixedPriceSource } from './fixed'
import { createHttpPriceSource } from './http-api'
import {
  createGuardedPriceFeed,
  type GuardedFeedOptions,
  type GuardedPriceFeed,
  type TmaiPriceSource,
} from './port'

export { createDexTwapPriceSource, type DexTwapSourceOptions } from './dex-twap'
export { createFixedPriceSource } from './fixed'
export { COINGECKO_TMAI_ID, createHttpPriceSource, type HttpPriceSourceOptions } from './http-api'
export * from './port'

export interface TmaiFeedDependencies {
  config: Pick<Config, 'tmai' | 'tmaiUsd'>
  network: NetworkConfig
  client: PublicClient
  now?: () => number
  onRejection?: GuardedFeedOptions['onRejection']
}

/**
 * Builds the guarded feed the quote book reads (`current()`), or undefined when TMAI is not priced.
 * @throws {Error} at boot when the chosen source lacks its settings (pool address, API URL)
 */
export function createTmaiPriceFeed(deps: TmaiFeedDependencies): GuardedPriceFeed | undefined {
  const source = createTmaiPriceSource(deps)
  if (!source) return undefined
  const { tmai } = deps.config
  return createGuardedPriceFeed(source, {
    maxAgeMs: tmai.maxAgeSeconds * 1000,
    minUsd: tmai.minUsd,
    maxUsd: tmai.maxUsd,
    now: deps.now,
    onRejection: deps.onRejection,
  })
}

export function createTmaiPriceSource(deps: TmaiFeedDependencies): TmaiPriceSource | undefined {
  const { config, network } = deps
  if (!network.tmai) return undefined
  switch (config.tmai.priceSource) {
    case 'none':
      return undefined
    case 'fixed':
      return createFixedPriceSource({ usd: config.tmaiUsd, now: deps.now })
    case 'http-api':
      if (!config.tmai.priceApiUrl) throw new Error('TMAI_PRICE_SOURCE=http-api needs TMAI_PRICE_API_URL')
      return createHttpPriceSource({ baseUrl: config.tmai.priceApiUrl })
    case 'dex-twap':
      if (!config.tmai.poolAddress) throw new Error('TMAI_PRICE_SOURCE=dex-twap needs TMAI_POOL_ADDRESS')
      // The pool is TMAI/USDC: USDC counts as exactly 1 USD (a WETH pool would need an ETH/USD feed).
      return createDexTwapPriceSource({
        client: deps.client,
        pool: config.tmai.poolAddress,
        tmai: network.tmai,
        quote: { address: network.usdc.address, decimals: network.usdc.decimals, usd: '1' },
        windowSeconds: config.tmai.twapWindowSeconds,
        minLiquidity: config.tmai.poolMinLiquidity,
      })
  }
}
