import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from '../lib/logger'
import { type CsvImportSummary, importOhlcvCsv, importTokensCsv } from './csv-import'
import type { BarCounts, MarketStore } from './store'

export type InitialCsvOutcome =
  | { action: 'imported'; summary: CsvImportSummary; replacedSynthetic: BarCounts }
  | { action: 'skipped'; reason: 'store_has_data' }

/**
 * `MARKET_DATA_CSV` at start-up. An empty store imports it. A store holding the synthetic demo dataset (an earlier
 * offline first run) has those bars replaced by the CSV: that is what setting the variable asks for, and real and
 * synthetic bars must not mix. A store that already holds real data is left alone (re-importing on every start would
 * be slow and surprising) and the log says so and how to import anyway.
 */
export async function loadInitialCsv(
  store: MarketStore,
  options: { file: string; tokensFile?: string; logger: Logger },
): Promise<InitialCsvOutcome> {
  const { file, logger } = options
  const synthetic = await store.syntheticBars()
  if (synthetic.daily + synthetic.hourly === 0 && (await store.hasData())) {
    logger.warn('MARKET_DATA_CSV not imported: the store already holds market data', {
      file,
      source: await store.source(),
      asOf: await store.asOf(),
      hint: `to add or update rows from it, run: x402-analytics ingest --csv ${file}`,
    })
    return { action: 'skipped', reason: 'store_has_data' }
  }
  if (!existsSync(file)) throw new Error(`MARKET_DATA_CSV: no such file: ${file}`)
  const replacedSynthetic = await store.removeSyntheticBars()
  if (replacedSynthetic.daily + replacedSynthetic.hourly > 0) {
    logger.warn('MARKET_DATA_CSV replaces the synthetic demo dataset of an earlier offline first run', {
      file,
      removedDailyBars: replacedSynthetic.daily,
      removedHourlyBars: replacedSynthetic.hourly,
    })
  }
  const tokensFile = options.tokensFile ?? path.join(path.dirname(file), 'tokens.csv')
  if (existsSync(tokensFile)) {
    const tokens = await importTokensCsv(store, tokensFile)
    logger.info('imported tokens', { file: tokensFile, tokens: tokens.tokens })
  }
  const summary = await importOhlcvCsv(store, file)
  logger.info('imported market data', {
    file,
    rows: summary.upserted,
    symbols: summary.symbols,
    from: summary.firstTime,
    to: summary.lastTime,
    skipped: summary.skipped,
    ms: summary.ms,
  })
  return { action: 'imported', summary, replacedSynthetic }
}
