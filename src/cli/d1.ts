import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { D1Database } from '@cloudflare/workers-types/latest'
import { openD1Db } from '../db/d1-client'
import type { Db } from '../db/database'
import { createSqlScript } from '../db/sql-script'
import { importOhlcvCsv, importTokensCsv } from '../market-data/csv-import'
import { MarketStore } from '../market-data/store'

/** Which D1 database a command writes to, as wrangler names it. */
export interface D1Target {
  /** The D1 database: its binding or name in wrangler.toml. */
  database: string
  /** Local D1 of `wrangler dev` (default: the remote database). */
  local: boolean
  persistTo?: string
  config?: string
}

export interface D1IngestOptions extends D1Target {
  files: string[]
  tokensFile?: (file: string) => string | undefined
  log?: (line: string) => void
}

export interface D1IngestSummary {
  statements: number
  candles: number
  tokens: number
  skipped: number
}

/**
 * Loads the bundled CSV format into Cloudflare D1 with the same CSV reader and upsert queries as SQLite. Locally
 * (`--local`) they run through drizzle's D1 driver on wrangler's own local D1 (`getPlatformProxy`), exactly as the
 * Worker runs them; remotely they are recorded as a SQL script and run with `wrangler d1 execute --remote --file`.
 * Either way the data-version bump comes last in each batch, so every isolate's result cache goes stale.
 */
export async function ingestCsvIntoD1(options: D1IngestOptions): Promise<D1IngestSummary> {
  const log = options.log ?? console.log
  const summary: D1IngestSummary = { statements: 0, candles: 0, tokens: 0, skipped: 0 }
  const importInto = async (db: Db) => {
    const store = new MarketStore(db)
    for (const file of options.files) {
      const tokensFile = options.tokensFile?.(file)
      if (tokensFile) summary.tokens += (await importTokensCsv(store, tokensFile)).tokens
      const imported = await importOhlcvCsv(store, file)
      summary.candles += imported.upserted
      summary.skipped += imported.skipped
      for (const error of imported.errors) log(`  skipped: ${error}`)
    }
  }
  if (options.local) {
    await withLocalD1(options, importInto)
    return summary
  }
  const script = createSqlScript()
  await importInto(script.db)
  const statements = script.statements()
  summary.statements = statements.length
  log(
    `${summary.candles.toLocaleString()} candles and ${summary.tokens} tokens as ${statements.length} statements → D1 ${options.database} (remote)`,
  )
  await executeOnD1(options, statements, (done, total) => {
    if (total > 1) log(`  D1: ${done}/${total} files executed`)
  })
  return summary
}

/**
 * The local D1 of `wrangler dev` (the same files under `--persist-to`), opened through wrangler's `getPlatformProxy`
 * from the bindings of wrangler.toml; `target.database` is the binding name (DB).
 */
export async function withLocalD1<T>(target: D1Target, use: (db: Db) => Promise<T>): Promise<T> {
  const { getPlatformProxy } = await import('wrangler')
  const proxy = await getPlatformProxy<Record<string, unknown>>({
    configPath: target.config,
    persist: target.persistTo ? { path: path.join(target.persistTo, 'v3') } : true,
  })
  try {
    const binding = proxy.env[target.database]
    if (!binding)
      throw new Error(`no D1 binding named ${target.database} in wrangler.toml (use the binding, e.g. DB)`)
    return await use(openD1Db(binding as D1Database))
  } finally {
    await proxy.dispose()
  }
}

/**
 * Bytes of SQL per `wrangler d1 execute --file` run. Local execution of one large file slows down far more than
 * linearly (a 0.7 MB file takes seconds, 1.3 MB minutes), so big imports are cut into files of this size.
 */
const MAX_FILE_BYTES = 512 * 1024

/** Runs recorded statements on D1 with `wrangler d1 execute --file` (each statement atomic on its own), in order. */
export async function executeOnD1(
  target: D1Target,
  statements: string[],
  onFile?: (done: number, total: number) => void,
): Promise<void> {
  const files: string[][] = [[]]
  let size = 0
  for (const statement of statements) {
    if (size + statement.length > MAX_FILE_BYTES && files.at(-1)!.length > 0) {
      files.push([])
      size = 0
    }
    files.at(-1)!.push(statement)
    size += statement.length + 1
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'x402-d1-'))
  try {
    for (const [index, chunk] of files.entries()) {
      const file = path.join(dir, `statements-${index}.sql`)
      writeFileSync(file, `${chunk.join('\n')}\n`, { mode: 0o600 })
      await runWrangler([
        'd1',
        'execute',
        target.database,
        '--file',
        file,
        target.local ? '--local' : '--remote',
        ...(target.persistTo ? ['--persist-to', target.persistTo] : []),
        ...(target.config ? ['--config', target.config] : []),
        '--yes',
      ])
      onFile?.(index + 1, files.length)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
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
