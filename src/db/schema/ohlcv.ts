import { primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

const candleColumns = {
  symbol: text('symbol').notNull(),
  open: real('open').notNull(),
  high: real('high').notNull(),
  low: real('low').notNull(),
  close: real('close').notNull(),
  /** Quote-currency (USD) notional. */
  volume: real('volume').notNull(),
  marketCap: real('market_cap'),
  /** Where the bar came from: csv, binance, coinbase, coingecko, synthetic-demo. */
  source: text('source').notNull(),
}

/** Daily bars keyed by UTC calendar day (`YYYY-MM-DD`). */
export const dailyOhlcv = sqliteTable(
  'daily_ohlcv',
  { ...candleColumns, time: text('date').notNull() },
  (t) => [primaryKey({ columns: [t.symbol, t.time] })],
)

/** Hourly bars keyed by bar-open time (`YYYY-MM-DDTHH:00:00Z`). */
export const hourlyOhlcv = sqliteTable(
  'hourly_ohlcv',
  { ...candleColumns, time: text('timestamp').notNull() },
  (t) => [primaryKey({ columns: [t.symbol, t.time] })],
)

/** Per (source, symbol, interval) resume point for ingestion. */
export const ingestCursors = sqliteTable(
  'ingest_cursors',
  {
    source: text('source').notNull(),
    symbol: text('symbol').notNull(),
    interval: text('interval').notNull(),
    lastTime: text('last_time').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.symbol, t.interval] })],
)
