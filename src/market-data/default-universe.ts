/**
 * The default asset universe: about 30 large, liquid assets with their ids on each keyless source.
 * Written from general knowledge of the listings; `coinbaseProduct` is null where Coinbase Exchange has no USD book.
 * Stablecoins and wrapped tokens are left out on purpose (no price signal of their own).
 */
import { z } from 'zod'
import type { SourceId } from './sources/source'

export const AssetCategory = z.enum([
  'Layer 1',
  'Layer 2',
  'DeFi',
  'Meme',
  'Oracle',
  'Infrastructure',
  'Interoperability',
  'Payments',
  'Exchange token',
  'AI',
])
export type AssetCategory = z.infer<typeof AssetCategory>

export interface UniverseAsset {
  symbol: string
  name: string
  category: AssetCategory
  coingeckoId: string
  /** Binance spot pair quoted in USDT. */
  binancePair: string | null
  /** Coinbase Exchange product quoted in USD. */
  coinbaseProduct: string | null
}

const asset = (
  symbol: string,
  name: string,
  category: AssetCategory,
  coingeckoId: string,
  coinbase: 'listed' | 'unlisted' = 'listed',
): UniverseAsset => ({
  symbol,
  name,
  category,
  coingeckoId,
  binancePair: `${symbol}USDT`,
  coinbaseProduct: coinbase === 'listed' ? `${symbol}-USD` : null,
})

/** Ordered roughly by market cap. */
export const DEFAULT_UNIVERSE: readonly UniverseAsset[] = [
  asset('BTC', 'Bitcoin', 'Layer 1', 'bitcoin'),
  asset('ETH', 'Ethereum', 'Layer 1', 'ethereum'),
  asset('XRP', 'XRP', 'Payments', 'ripple'),
  asset('BNB', 'BNB', 'Exchange token', 'binancecoin', 'unlisted'),
  asset('SOL', 'Solana', 'Layer 1', 'solana'),
  asset('DOGE', 'Dogecoin', 'Meme', 'dogecoin'),
  asset('TRX', 'TRON', 'Layer 1', 'tron', 'unlisted'),
  asset('ADA', 'Cardano', 'Layer 1', 'cardano'),
  asset('LINK', 'Chainlink', 'Oracle', 'chainlink'),
  asset('AVAX', 'Avalanche', 'Layer 1', 'avalanche-2'),
  asset('XLM', 'Stellar', 'Payments', 'stellar'),
  asset('SUI', 'Sui', 'Layer 1', 'sui'),
  asset('TON', 'Toncoin', 'Layer 1', 'the-open-network', 'unlisted'),
  asset('HBAR', 'Hedera', 'Layer 1', 'hedera-hashgraph'),
  asset('BCH', 'Bitcoin Cash', 'Payments', 'bitcoin-cash'),
  asset('LTC', 'Litecoin', 'Payments', 'litecoin'),
  asset('SHIB', 'Shiba Inu', 'Meme', 'shiba-inu'),
  asset('DOT', 'Polkadot', 'Interoperability', 'polkadot'),
  asset('UNI', 'Uniswap', 'DeFi', 'uniswap'),
  asset('PEPE', 'Pepe', 'Meme', 'pepe'),
  asset('AAVE', 'Aave', 'DeFi', 'aave'),
  asset('NEAR', 'NEAR Protocol', 'Layer 1', 'near'),
  asset('APT', 'Aptos', 'Layer 1', 'aptos'),
  asset('ETC', 'Ethereum Classic', 'Layer 1', 'ethereum-classic'),
  asset('RENDER', 'Render', 'AI', 'render-token'),
  asset('FET', 'Artificial Superintelligence Alliance', 'AI', 'fetch-ai'),
  asset('ATOM', 'Cosmos Hub', 'Interoperability', 'cosmos'),
  asset('FIL', 'Filecoin', 'Infrastructure', 'filecoin'),
  asset('ARB', 'Arbitrum', 'Layer 2', 'arbitrum'),
  asset('OP', 'Optimism', 'Layer 2', 'optimism'),
  asset('INJ', 'Injective', 'DeFi', 'injective-protocol'),
]

/** Assets with a book on `source` (CoinGecko covers all of them). */
export function assetsListedOn(source: SourceId, universe: readonly UniverseAsset[] = DEFAULT_UNIVERSE) {
  if (source === 'binance') return universe.filter((a) => a.binancePair !== null)
  if (source === 'coinbase') return universe.filter((a) => a.coinbaseProduct !== null)
  return [...universe]
}

/** `{ BTC: 'BTCUSDT', … }` for `createBinanceSource({ pairs })`. */
export function binancePairs(universe: readonly UniverseAsset[] = DEFAULT_UNIVERSE): Record<string, string> {
  return Object.fromEntries(universe.flatMap((a) => (a.binancePair ? [[a.symbol, a.binancePair]] : [])))
}

/** `{ BTC: 'BTC-USD', … }` for `createCoinbaseSource({ products })`. */
export function coinbaseProducts(
  universe: readonly UniverseAsset[] = DEFAULT_UNIVERSE,
): Record<string, string> {
  return Object.fromEntries(
    universe.flatMap((a) => (a.coinbaseProduct ? [[a.symbol, a.coinbaseProduct]] : [])),
  )
}
