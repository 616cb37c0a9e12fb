import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseEnv } from '../config/env'
import { openSqliteDb } from '../db/client'
import { importOhlcvCsv, importTokensCsv } from '../market-data/csv-import'
import { MarketStore } from '../market-data/store'
import { progressBar } from './progress'

export const ingestHelp = `Usage: x402-analytics ingest --csv PATH [--tokens PATH]

Imports market data into the database at DATABASE_PATH (default ./data/x402-analytics.db).
  --csv PATH      OHLCV CSV: symbol,date,open,high,low,close,volume,market_cap (daily) or with timestamp (hourly)
  --tokens PATH   token metadata CSV (symbol,name,category,…); tokens.csv next to --csv is used when present
Re-running is safe: rows are upserted by (symbol, time).`

export async function ingestCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      csv: { type: 'string', multiple: true },
      tokens: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help || !values.csv?.length) {
    console.log(ingestHelp)
    if (!values.help) process.exitCode = 2
    return
  }
  const config = parseEnv(process.env)
  const database = openSqliteDb(config.databasePath)
  const store = new MarketStore(database.db)
  try {
    for (const file of values.csv) {
      if (!existsSync(file)) throw new Error(`no such file: ${file}`)
      const tokensFile = values.tokens ?? file.replace(/[^/\\]+$/, 'tokens.csv')
      if (existsSync(tokensFile)) {
        const t = await importTokensCsv(store, tokensFile)
        console.log(
          `tokens: ${t.tokens} upserted from ${tokensFile}${t.skipped ? ` (${t.skipped} skipped)` : ''}`,
        )
      }
      const bar = progressBar(`importing ${file}`)
      const summary = await importOhlcvCsv(store, file, {
        onProgress: (p) => bar.update(p.bytesRead / p.totalBytes, `${p.rows.toLocaleString()} rows`),
      })
      bar.done()
      console.log(
        `${summary.interval} candles: ${summary.upserted.toLocaleString()} upserted for ${summary.symbols} symbols, ` +
          `${summary.firstTime} → ${summary.lastTime}, ${summary.skipped} skipped, ${(summary.ms / 1000).toFixed(1)} s`,
      )
      for (const error of summary.errors) console.log(`  skipped: ${error}`)
    }
  } finally {
    database.close()
  }
}
