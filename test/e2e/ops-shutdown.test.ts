import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createTestClient, http } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteDb } from '../../src/db/client'
import { listPayments } from '../../src/db/queries/payments'
import { devnetAccount } from '../../src/devnet/accounts'
import { devnetChain } from '../../src/devnet/setup'
import { freePort } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'
import { parseExposition } from '../helpers/prometheus'

const root = path.resolve(import.meta.dirname, '../..')
const started: ChildProcess[] = []
afterEach(() => {
  // Only if a test failed half-way: the server and its anvil share our child's process group.
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
  }
})

/** A few days of daily bars ending today, so /ready's market-data check passes. */
function freshCsv(dir: string): string {
  const file = path.join(dir, 'daily.csv')
  const rows = ['symbol,date,open,high,low,close,volume,market_cap']
  for (let d = 4; d >= 0; d--) {
    const date = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10)
    rows.push(`BTC,${date},100,110,90,105,1000000,2000000000`)
  }
  writeFileSync(file, `${rows.join('\n')}\n`)
  return file
}

/** `x402-analytics serve` as its own process (and process group), its output collected line by line. */
function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  const out = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, out, exited }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('SIGTERM', () => {
  it('drains an in-flight paid request: settlement finishes, the process exits 0, anvil goes with it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-drain-'))
    const server = serve({
      PORT: '0',
      DEVNET_PORT: String(await freePort()),
      DATABASE_PATH: path.join(dir, 'db.sqlite'),
      MARKET_DATA_CSV: freshCsv(dir),
      FIRST_RUN_INGEST: 'false',
      MARKET_DATA_REFRESH_MINUTES: '0',
      METRICS_PORT: '0',
      LOG_FORMAT: 'json',
      SETTLEMENT_TIMEOUT_MS: '20000',
      SHUTDOWN_DRAIN_MS: '25000',
    })
    const [, url, rpcUrl] = await until('the banner', () => {
      const match = /listening on (http:\/\/\S+)[\s\S]*RPC URL:\s+(\S+)/.exec(server.out.stdout)
      return match ?? undefined
    })
    const logs = () =>
      server.out.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    const metricsUrl = await until('the metrics listener', () => {
      const line = logs().find((l) => l.msg === 'metrics listener')
      return line?.url as string | undefined
    })

    // Before: ready, and the metrics listener answers without a key (it is bound to localhost).
    const readyBefore = await fetch(`${url}/ready`)
    expect(readyBefore.status).toBe(200)
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    const scraped = parseExposition(await (await fetch(metricsUrl)).text())
    expect(scraped.types.get('x402_http_requests_total')).toBe('counter')
    expect(scraped.types.get('process_cpu_seconds_total')).toBe('counter')

    const chain = createTestClient({ chain: devnetChain(rpcUrl!), mode: 'anvil', transport: http(rpcUrl) })
    await chain.setAutomine(false)
    const header = v2Header(await signUsdcAuthorization(devnetAccount(4)))
    const paid = fetch(`${url}/v1/daily-ohlcv?symbol=BTC&limit=2`, {
      headers: { 'PAYMENT-SIGNATURE': header, 'X-Request-Id': 'drain-test-request' },
    })
    // The settlement transaction is in the mempool: the request is waiting for its receipt.
    await until('the settlement broadcast', async () => {
      const status = (await chain.request({ method: 'txpool_status' as never })) as { pending: string }
      return Number(status.pending) > 0 ? true : undefined
    })

    server.child.kill('SIGTERM')
    // Stops accepting at once...
    await until('the listener to close', () =>
      fetch(`${url}/health`).then(
        () => undefined,
        () => true,
      ),
    )
    expect(server.child.exitCode).toBeNull()
    // ...while the request in flight still completes once its block is mined.
    await chain.mine({ blocks: 1 })
    const res = await paid
    expect(res.status).toBe(200)
    expect(decodeHeaderJson(res.headers.get('payment-response'))).toMatchObject({ success: true })
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(2)
    expect(await server.exited).toBe(0)
    await expect(fetch(rpcUrl!, { method: 'POST', body: '{}' })).rejects.toThrow()

    // Every line is JSON; the access log and the payment gate's own lines carry the request id.
    const lines = logs()
    const ofRequest = lines.filter((l) => l.requestId === 'drain-test-request').map((l) => l.msg)
    expect(ofRequest).toEqual(expect.arrayContaining(['payment settled', 'request']))
    expect(lines.find((l) => l.msg === 'request' && l.requestId === 'drain-test-request')).toMatchObject({
      level: 'info',
      route: '/v1/daily-ohlcv',
      status: 200,
    })
    const order = lines.map((l) => l.msg)
    expect(order.indexOf('shutting down: draining in-flight requests')).toBeLessThan(
      order.indexOf('payment settled'),
    )
    expect(order.at(-1)).toBe('drained')
  }, 90_000)

  it('cuts what is still running when SHUTDOWN_DRAIN_MS runs out, and still exits 0 leaving a row to reconcile', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-drain-bound-'))
    const databasePath = path.join(dir, 'db.sqlite')
    const server = serve({
      PORT: '0',
      DEVNET_PORT: String(await freePort()),
      DATABASE_PATH: databasePath,
      MARKET_DATA_CSV: freshCsv(dir),
      FIRST_RUN_INGEST: 'false',
      MARKET_DATA_REFRESH_MINUTES: '0',
      LOG_FORMAT: 'json',
      SETTLEMENT_TIMEOUT_MS: '20000',
      SHUTDOWN_DRAIN_MS: '1500',
    })
    const [, url, rpcUrl] = await until('the banner', () => {
      const match = /listening on (http:\/\/\S+)[\s\S]*RPC URL:\s+(\S+)/.exec(server.out.stdout)
      return match ?? undefined
    })
    const chain = createTestClient({ chain: devnetChain(rpcUrl!), mode: 'anvil', transport: http(rpcUrl) })
    await chain.setAutomine(false)
    const header = v2Header(await signUsdcAuthorization(devnetAccount(5)))
    const paid = fetch(`${url}/v1/daily-ohlcv?symbol=BTC&limit=2`, {
      headers: { 'PAYMENT-SIGNATURE': header },
    })
    await until('the settlement broadcast', async () => {
      const status = (await chain.request({ method: 'txpool_status' as never })) as { pending: string }
      return Number(status.pending) > 0 ? true : undefined
    })
    const signalled = Date.now()
    server.child.kill('SIGTERM')
    // Never mined: the bound runs out, the connection is cut, the paid body never leaves.
    await expect(paid).rejects.toThrow()
    expect(await server.exited).toBe(0)
    const shutdownMs = Date.now() - signalled
    expect(shutdownMs).toBeGreaterThanOrEqual(1400)
    expect(shutdownMs).toBeLessThan(10_000)
    const lines = server.out.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string })
    expect(lines.map((l) => l.msg)).toContain('drain bound reached; closed the remaining connections')
    // The ledger kept the broadcast hash: the reconciler resolves the row at the next start.
    const database = openSqliteDb(databasePath)
    try {
      const [row] = await listPayments(database.db)
      expect(row).toMatchObject({ state: 'settling', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
    } finally {
      database.close()
    }
  }, 90_000)
})
