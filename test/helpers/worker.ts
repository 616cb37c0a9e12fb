/**
 * TEST-ONLY: the Worker under `wrangler dev --local` (workerd, a local D1 and the Durable Objects), on a free port,
 * in its own process group (stopped by group id, so no `workerd` outlives the test), with its state in a temp dir.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import type { Db } from '../../src/db/database'
import * as schema from '../../src/db/schema'
import { freePort } from './devnet'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')

/** Runs a Node CLI to completion; rejects with its output when it fails. */
export function run(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      // No telemetry from tests (and no network to send it to).
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...options.env },
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs ?? 120_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${args.slice(1, 4).join(' ')} exited with ${code}:\n${output.slice(-4000)}`))
    })
  })
}

export const wrangler = (args: string[]) => run([WRANGLER, ...args])
/** The project's CLI (`x402-analytics …`) as a user runs it. */
export const cli = (args: string[], env?: Record<string, string>) =>
  run([TSX, 'src/cli/main.ts', ...args], { env })

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

export interface TestWorkerOptions {
  /** Plain config, passed as `--var` (what [vars] holds in production). */
  vars: Record<string, string>
  /** Secrets, passed in an env file (what `wrangler secret put` holds in production), never on the command line. */
  secrets: Record<string, string>
  /** Runs after the migrations and before the worker starts (e.g. loading data), with the state directory. */
  prepare?: (persistTo: string) => Promise<void>
  /** Start from a copy of this (stopped) state directory instead of migrating a new one. */
  copyStateFrom?: string
}

export interface TestWorker {
  url: string
  persistTo: string
  /** The worker's console output so far. */
  output(): string
  /** The local D1 database itself (read-only use: the worker owns the writes). */
  d1(): { db: Db; close(): void }
  /** Fires `scheduled()` for `cron` (wrangler dev --test-scheduled). */
  scheduled(cron: string): Promise<Response>
  stop(): Promise<void>
}

export async function startTestWorker(options: TestWorkerOptions): Promise<TestWorker> {
  const persistTo = mkdtempSync(path.join(tmpdir(), 'x402-worker-'))
  if (options.copyStateFrom) cpSync(options.copyStateFrom, persistTo, { recursive: true })
  else await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo])
  await options.prepare?.(persistTo)
  const secretsFile = path.join(persistTo, 'secrets.env')
  writeFileSync(
    secretsFile,
    Object.entries(options.secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { mode: 0o600 },
  )
  const port = await freePort()
  const inspectorPort = await freePort()
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--local',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persistTo,
      '--env-file',
      secretsFile,
      '--test-scheduled',
      '--show-interactive-dev-session=false',
      ...Object.entries(options.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`

  const stop = async () => {
    if (!child.pid) return
    // For a failing run: X402_WORKER_LOG=/tmp/worker.log keeps the worker's console output.
    if (process.env.X402_WORKER_LOG) writeFileSync(process.env.X402_WORKER_LOG, output)
    killGroup(child, 'SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    // workerd is a child of wrangler in the same group: make sure nothing of the group is left.
    for (let i = 0; i < 50 && groupAlive(child.pid); i++) {
      killGroup(child, i < 20 ? 'SIGTERM' : 'SIGKILL')
      await new Promise((r) => setTimeout(r, 100))
    }
    rmSync(persistTo, { recursive: true, force: true })
  }

  const deadline = Date.now() + 90_000
  for (;;) {
    const ready = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev did not start:\n${output.slice(-4000)}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }

  return {
    url,
    persistTo,
    output: () => output,
    d1() {
      const dir = path.join(persistTo, 'v3', 'd1', 'miniflare-D1DatabaseObject')
      const file = readdirSync(dir).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')
      if (!file) throw new Error(`no local D1 database under ${dir}`)
      const sqlite = new Database(path.join(dir, file), { fileMustExist: true, readonly: true })
      return { db: drizzle(sqlite, { schema }) as unknown as Db, close: () => sqlite.close() }
    },
    scheduled: (cron) => fetch(`${url}/__scheduled?cron=${encodeURIComponent(cron)}`),
    stop,
  }
}

/** Candles and tokens as the bundled CSV format, for `ingest --csv`. */
export function writeCsvDataset(
  dir: string,
  candles: readonly {
    symbol: string
    time: string
    open: number
    high: number
    low: number
    close: number
    volume: number
    marketCap: number | null
  }[],
  tokens: readonly { symbol: string; name: string; category: string }[],
): { candles: string; tokens: string } {
  const candlesFile = path.join(dir, 'daily_ohlcv.csv')
  writeFileSync(
    candlesFile,
    `symbol,date,open,high,low,close,volume,market_cap\n${candles
      .map((c) => [c.symbol, c.time, c.open, c.high, c.low, c.close, c.volume, c.marketCap ?? ''].join(','))
      .join('\n')}\n`,
  )
  const tokensFile = path.join(dir, 'tokens.csv')
  writeFileSync(
    tokensFile,
    `symbol,name,category\n${tokens.map((t) => [t.symbol, t.name, t.category].join(',')).join('\n')}\n`,
  )
  return { candles: candlesFile, tokens: tokensFile }
}
