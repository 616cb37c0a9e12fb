import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Candle } from '../../src/lib/candle'
import { importOhlcvCsv, importTokensCsv } from '../../src/market-data/csv-import'
import type { MarketStore } from '../../src/market-data/store'
import { sampleCandles } from './context'

const SHARED = path.resolve(import.meta.dirname, '../../../shared/data')

/** Whether the real dataset (../shared/data) is there to measure against. */
export const REAL_DATA =
  existsSync(path.join(SHARED, 'daily_ohlcv.csv')) && existsSync(path.join(SHARED, 'tokens.csv'))

/** Three days of hourly bars for the sample symbols, so hourly endpoints have data without ../shared/data. */
function sampleHourly(): Candle[] {
  return sampleCandles(['BTC', 'ETH', 'SOL'], 72).map((c, i) => ({
    ...c,
    time: new Date(Date.parse('2026-03-18T23:00:00Z') - (71 - (i % 72)) * 3_600_000)
      .toISOString()
      .replace('.000Z', 'Z'),
    marketCap: null,
  }))
}

/**
 * Loads the real dataset when it exists, else adds sample hourly bars to a context seeded with the sample daily bars
 * (createTestContext's default): what every catalog example needs to have an answer.
 */
export async function loadCatalogData(market: MarketStore): Promise<void> {
  if (REAL_DATA) {
    await importTokensCsv(market, path.join(SHARED, 'tokens.csv'))
    await importOhlcvCsv(market, path.join(SHARED, 'daily_ohlcv.csv'))
    if (existsSync(path.join(SHARED, 'hourly_ohlcv.csv')))
      await importOhlcvCsv(market, path.join(SHARED, 'hourly_ohlcv.csv'))
  } else {
    await market.saveCandles('1h', sampleHourly(), 'csv')
  }
}
