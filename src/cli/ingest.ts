import { existsSync } from 'node:fs'
import { parseEnv } from '../config/env'
import { openSqliteDb } from '../db/client'
import { Interval } from '../lib/candle'
import { importOhlcvCsv, importTokensCsv } from '../market-data/csv-import'
import { DEFAULT_UNIVERSE } from '../market-data/default-universe'
import { ingestCandles, ingestCoinGeckoMarkets } from '../market-data/ingestion'
import { type BarCounts, MarketStore } from '../market-data/store'
import { admitRealData } from '../market-data/synthetic-guard'
import { parseCommandArgs } from './args'
import { ingestCsvIntoD1 } from './d1'
import { progressBar } from './progress'

export const ingestHelp = `Usage: x402-analytics ingest [--source binance|coinbase|coingecko|csv] [options]

Imports market data into the database at DATABASE_PATH (default ./data/x402-analytics.db). Re-running is safe:
rows are upserted by (symbol, time), and exchange ingestion resumes from each symbol's cursor.

  --source S       binance (default), coinbase, coingecko (market caps + supply), or csv
  --symbols LIST   comma list (default: the ~30-asset default universe; for coingecko: every stored token)
  --interval I     1d (default) or 1h
  --since DATE     first bar to fetch (default: 400 days ago for 1d, 30 days ago for 1h)
  --until DATE     last bar to fetch (default: now)
  --csv PATH       OHLCV CSV (implies --source csv): symbol,date|timestamp,open,high,low,close,volume,market_cap
  --tokens PATH    token metadata CSV (symbol,name,category,…); tokens.csv next to --csv is used when present
  --replace-synthetic
                   the store holds the synthetic demo dataset of an offline first run: delete those bars first
                   (without this flag such a store is refused, so real and synthetic prices never mix)
  --d1 DB          write the CSV into the Cloudflare D1 database DB (its binding or name in wrangler.toml) through
                   \`wrangler d1 execute\` instead of DATABASE_PATH (CSV only; the Worker refreshes from exchanges itself)
  --local          with --d1: the local D1 of \`wrangler dev\` (default: the deployed database)
  --persist-to DIR with --d1 --local: wrangler's local state directory (as given to \`wrangler dev --persist-to\`)
  --config FILE    with --d1: the wrangler configuration (default: ./wrangler.toml)

Examples:
  x402-analytics ingest --csv ../shared/data/daily_ohlcv.csv
  x402-analytics ingest --csv ../shared/data/daily_ohlcv.csv --d1 DB            # the deployed Worker's D1
  x402-analytics ingest --source binance --symbols BTC,ETH --interval 1h --since 2026-01-01`

export async function ingestCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    {
      args: argv,
      options: {
        source: { type: 'string' },
        symbols: { type: 'string' },
        interval: { type: 'string', default: '1d' },
        since: { type: 'string' },
        until: { type: 'string' },
        csv: { type: 'string', multiple: true },
        tokens: { type: 'string' },
        'replace-synthetic': { type: 'boolean', default: false },
        d1: { type: 'string' },
        local: { type: 'boolean', default: false },
        'persist-to': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    ingestHelp,
  )
  const source = values.source ?? (values.csv?.length ? 'csv' : 'binance')
  if (values.help) {
    console.log(ingestHelp)
    return
  }
  const fail = (message: string) => {
    console.error(`${message}\n\n${ingestHelp}`)
    process.exitCode = 2
  }
  if (!['binance', 'coinbase', 'coingecko', 'csv'].includes(source)) return fail(`unknown --source ${source}`)
  if (source === 'csv' && !values.csv?.length) return fail('--source csv needs --csv PATH')
  const interval = Interval.safeParse(values.interval)
  if (!interval.success) return fail('--interval must be 1d or 1h')

  // Before anything is deleted or written: a mistyped path must not cost the user their stored data.
  const missing = (values.csv ?? []).find((file) => !existsSync(file))
  if (missing) throw new Error(`no such file: ${missing}`)

  if (values.d1 !== undefined) {
    if (source !== 'csv') return fail('--d1 loads CSV files only (--csv PATH)')
    if (values['replace-synthetic'])
      return fail('--replace-synthetic does not apply to D1 (a Worker never stores synthetic data)')
    if (values['persist-to'] && !values.local) return fail('--persist-to needs --local')
    const summary = await ingestCsvIntoD1({
      database: values.d1,
      files: values.csv ?? [],
      tokensFile: (file) => tokensFileFor(file, values.tokens),
      local: values.local,
      persistTo: values['persist-to'],
      config: values.config,
    })
    console.log(
      `D1 ${values.d1}: ${summary.candles.toLocaleString()} candles and ${summary.tokens} tokens upserted, ${summary.skipped} rows skipped`,
    )
    return
  }

  const config = parseEnv(process.env)
  const database = openSqliteDb(config.databasePath)
  const store = new MarketStore(database.db)
  try {
    const admitted = await admitRealData(store, { replaceSynthetic: values['replace-synthetic'] })
    if (!admitted.ok) {
      console.error(refusalOverSynthetic(config.databasePath, admitted.synthetic))
      process.exitCode = 1
      return
    }
    const removed = admitted.removedSynthetic
    if (removed.daily + removed.hourly > 0) {
      console.log(
        `removed the synthetic demo dataset: ${removed.daily.toLocaleString()} daily and ${removed.hourly.toLocaleString()} hourly bars`,
      )
    }
    if (source === 'csv') return await importCsvFiles(store, values.csv ?? [], values.tokens)
    const symbols = values.symbols
      ? values.symbols
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean)
      : source === 'coingecko'
        ? (await store.tokens()).tokens.map((t) => t.symbol)
        : DEFAULT_UNIVERSE.map((a) => a.symbol)
    if (source === 'coingecko') {
      const result = await ingestCoinGeckoMarkets(store, symbols, config.marketData.urls)
      console.log(
        `coingecko: ${result.markets} market snapshots, market cap filled on ${result.updated} latest daily bars`,
      )
      return
    }
    const defaultDays = interval.data === '1d' ? 400 : 30
    const since = values.since ?? new Date(Date.now() - defaultDays * 86_400_000).toISOString().slice(0, 10)
    const bar = progressBar(`${source} ${interval.data}`)
    const summary = await ingestCandles({
      store,
      source: source as 'binance' | 'coinbase',
      symbols,
      interval: interval.data,
      since,
      until: values.until,
      urls: config.marketData.urls,
      onProgress: (e) =>
        bar.update(
          (e.index + (e.phase === 'page' ? 0.5 : 1)) / e.total,
          `${e.symbol} ${e.candles} bars${e.lastTime ? ` → ${e.lastTime}` : ''}${e.phase === 'error' ? ' (failed)' : ''}`,
        ),
    })
    bar.done()
    console.log(
      `${source} ${interval.data}: ${summary.candles.toLocaleString()} candles for ${summary.symbols} symbols in ` +
        `${summary.pages} pages (${summary.inserted} new, ${summary.updated} updated), ${(summary.durationMs / 1000).toFixed(1)} s`,
    )
    for (const error of summary.errors) console.log(`  error: ${error.message}`)
    if (summary.errors.length === summary.symbols) process.exitCode = 1
  } finally {
    database.close()
  }
}

async function importCsvFiles(
  store: MarketStore,
  files: string[],
  tokens: string | undefined,
): Promise<void> {
  for (const file of files) {
    const tokensFile = tokensFileFor(file, tokens)
    if (tokensFile) {
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
      `${summary.interval} candles: ${summary.upserted.toLocaleString()} upserted (${summary.inserted.toLocaleString()} new) for ${summary.symbols} symbols, ` +
        `${summary.firstTime} → ${summary.lastTime}, ${summary.skipped} skipped, ${(summary.ms / 1000).toFixed(1)} s`,
    )
    for (const error of summary.errors) console.log(`  skipped: ${error}`)
  }
}

/** `--tokens`, or tokens.csv next to the candle file when it exists. */
function tokensFileFor(file: string, tokens: string | undefined): string | undefined {
  const candidate = tokens ?? file.replace(/[^/\\]+$/, 'tokens.csv')
  return existsSync(candidate) ? candidate : undefined
}

function refusalOverSynthetic(databasePath: string, synthetic: BarCounts): string {
  return (
    `refusing to ingest: the database at ${databasePath} holds the SYNTHETIC demo dataset of an offline first run ` +
    `(${synthetic.daily.toLocaleString()} daily and ${synthetic.hourly.toLocaleString()} hourly bars), and real ` +
    'prices must not be mixed with invented ones.\n' +
    '  Re-run with --replace-synthetic to delete the synthetic bars first, or set DATABASE_PATH to a new file.'
  )
}
