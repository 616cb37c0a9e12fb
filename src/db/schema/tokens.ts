import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Token metadata: one row per symbol (the catalog's `token_id` is the symbol). */
export const tokens = sqliteTable('tokens', {
  symbol: text('symbol').primaryKey(),
  name: text('name').notNull(),
  category: text('category'),
  subcategory: text('subcategory'),
  assetType: text('asset_type'),
  homeChain: text('home_chain'),
  contractAddress: text('contract_address'),
  coingeckoId: text('coingecko_id'),
})

export type Token = typeof tokens.$inferSelect
export type NewToken = typeof tokens.$inferInsert
