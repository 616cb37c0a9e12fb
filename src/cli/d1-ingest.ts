import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createSqlScript } from '../db/sql-script'
import { importOhlcvCsv, importTokensCsv } from '../market-data/csv-import'
import { MarketStore } from '../market-data/store'

export interface D1IngestOptions {
  /** The D1 database: its binding or name in wrangler.toml. */
  database: string
  files: string[]
  tokensFile?: (file: string) => string | undefined
  /** Local D1 of `wrangler dev` (default: the remote database). */
  local: boolean
  persistTo?: string
  config?: string
  log?: (line: string) => void
}

export interface D1IngestSummary {
  statements: number
  candles: number
  tokens: number
  skipped: number
}

/**
 * Loads the bundled CSV format into Cloudflare D1 through wrangler: the same CSV reader and the same upsert queries
 * as SQLite, recorded as a SQL script (one upsert statement per chunk, then the data-version bump that makes every
 * isolate's result cache go stale) and run with `wrangler d1 execute --file`. Idempotent like every ingest.
 */
export async function ingestCsvIntoD1(options: D1IngestOptions): Promise<D1IngestSummary> {
  const log = options.log ?? console.log
  const script = createSqlScript()
  const store = new MarketStore(script.db)
  const summary: D1IngestSummary = { statements: 0, candles: 0, tokens: 0, skipped: 0 }
  for (const file of options.files) {
    const tokensFile = options.tokensFile?.(file)
    if (tokensFile) summary.tokens += (await importTokensCsv(store, tokensFile)).tokens
    const imported = await importOhlcvCsv(store, file)
    summary.candles += imported.upserted
    summary.skipped += imported.skipped
    for (const error of imported.errors) log(`  skipped: ${error}`)
  }
  const statements = script.statements()
  summary.statements = statements.length
  const dir = mkdtempSync(path.join(tmpdir(), 'x402-d1-ingest-'))
  try {
    const file = path.join(dir, 'ingest.sql')
    writeFileSync(file, `${statements.join('\n')}\n`)
    log(
      `${summary.candles.toLocaleString()} candles and ${summary.tokens} tokens as ${statements.length} statements → D1 ${options.database} (${options.local ? 'local' : 'remote'})`,
    )
    await runWrangler([
      'd1',
      'execute',
      options.database,
      '--file',
      file,
      options.local ? '--local' : '--remote',
      ...(options.persistTo ? ['--persist-to', options.persistTo] : []),
      ...(options.config ? ['--config', options.config] : []),
      '--yes',
    ])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return summary
}

/** The project's pinned wrangler (a dev dependency), run with the same Node. */
function wranglerBin(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js')
}

function runWrangler(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`wrangler ${args.slice(0, 2).join(' ')} exited with ${code}`)),
    )
  })
}
