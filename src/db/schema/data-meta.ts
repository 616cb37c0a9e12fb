import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Small key/value facts about the stored market data (version counter for caches, dataset label). */
export const dataMeta = sqliteTable('data_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})
