/** Token metadata the analytics need: display name and sector (`category`, e.g. 'Layer 1', 'DeFi'). */
export interface TokenMeta {
  symbol: string
  name: string
  category: string
}
