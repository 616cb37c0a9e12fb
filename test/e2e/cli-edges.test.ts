import { execFile, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { callHelp } from '../../src/cli/call'
import { ingestHelp } from '../../src/cli/ingest'
import { keysHelp } from '../../src/cli/keys'
import { ledgerHelp } from '../../src/cli/ledger'
import { permit2ApproveHelp } from '../../src/cli/permit2-approve'
import { serveHelp } from '../../src/cli/serve'
import { openSqliteDb } from '../../src/db/client'
import { type NewPayment, payments } from '../../src/db/schema'
import { freePort } from '../helpers/devnet'

/** The CLI as users run it: a real child process (tsx, as `npm run cli` does), its exit code, stdout and stderr. */
const root = path.resolve(import.meta.dirname, '../..')
const tsx = path.join(root, 'node_modules/.bin/tsx')
const USAGE = {
  serve: serveHelp,
  ingest: ingestHelp,
  call: callHelp,
  ledger: ledgerHelp,
  keys: keysHelp,
  'permit2-approve': permit2ApproveHelp,
}

let databasePath: string

let devnetPort: number

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(tsx, ['src/cli/main.ts', ...args], {
      cwd: root,
      // Free ports, in case a command starts a server it should not have.
      env: {
        ...process.env,
        DATABASE_PATH: databasePath,
        LOG_LEVEL: 'silent',
        PORT: '0',
        DEVNET_PORT: String(devnetPort),
        ...env,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // A command that does not return (a server that started) is stopped, never left behind.
    const stop = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), 20_000)
    child.once('exit', () => clearTimeout(stop))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

function payment(i: number, overrides: Partial<NewPayment> = {}): NewPayment {
  return {
    id: randomUUID(),
    network: 'eip155:8453',
    asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
    payer: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    nonce: `0x${i.toString(16).padStart(64, '0')}`,
    state: 'settled',
    x402Version: 2,
    scheme: 'exact',
    method: 'GET',
    route: '/v1/daily-ohlcv',
    requestKey: `GET /v1/daily-ohlcv?symbol=ETH&n=${i}`,
    amount: '17000',
    assetSymbol: 'USDC',
    usdPrice: '0.017',
    usdValue: '0.017',
    payTo: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    validBefore: 1_900_000_000,
    payload: '{"signature":"0xdeadbeef"}',
    txHash: `0x${'ab'.repeat(32)}`,
    createdAt: Date.parse('2026-03-01T10:00:00Z') + i,
    updatedAt: Date.parse('2026-03-01T10:00:00Z') + i,
    ...overrides,
  }
}

beforeAll(async () => {
  devnetPort = await freePort()
  databasePath = path.join(mkdtempSync(path.join(tmpdir(), 'x402-cli-')), 'db.sqlite')
  const database = openSqliteDb(databasePath)
  // A TMAI payment first, then enough rows that `ledger --json` outlives a reader that stops after one line.
  await database.db.insert(payments).values(
    payment(0, {
      asset: '0xca4569949699d56e1834efe9f58747ca0f151b01',
      assetSymbol: 'TMAI',
      amount: '21857142857142857143',
      usdValue: '0.0153',
      discount: '0.1',
      rateUsd: '0.0007',
    }),
  )
  for (let start = 1; start < 3000; start += 500) {
    await database.db.insert(payments).values(Array.from({ length: 500 }, (_, k) => payment(start + k)))
  }
  database.close()
})

describe('every command', () => {
  it.each(Object.entries(USAGE))(
    '%s with an unknown flag: one line naming it, then the usage, exit 2',
    async (command, usage) => {
      const { code, stdout, stderr } = await cli([command, '--no-such-flag'])
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toBe(`x402-analytics ${command}: unknown option --no-such-flag\n\n${usage}\n`)
    },
  )

  // serve, ingest, call and ledger --help: devnet-and-startup.test.ts.
  it.each(['keys', 'permit2-approve'] as const)('%s --help prints its usage and exits 0', async (command) => {
    const { code, stdout } = await cli([command, '--help'])
    expect(code).toBe(0)
    expect(stdout).toBe(`${USAGE[command]}\n`)
  })

  it('a flag without its value is named too', async () => {
    const { code, stderr } = await cli(['ledger', '--state'])
    expect(code).toBe(2)
    expect(stderr.split('\n')[0]).toBe('x402-analytics ledger: --state needs a value')
  })
})

describe('keys', () => {
  it('with no subcommand prints the usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await cli(['keys'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(
      /^x402-analytics keys: a subcommand is required \(create, list, revoke or rotate\)\n\nUsage: x402-analytics keys/,
    )
  })
})

describe('ledger', () => {
  it('shows a TMAI payment at the USD value it was worth after the discount, with its list price', async () => {
    const { code, stdout } = await cli(['ledger'])
    expect(code).toBe(0)
    const tmai = stdout.split('\n').find((line) => line.includes(' TMAI '))
    expect(tmai).toContain('21857142857142857143 TMAI ($0.0153; list $0.017, 10% off)')
    expect(stdout).toMatch(/ 17000 USDC \(\$0\.017\) /)
    expect(stdout).toMatch(/\n3001 payment\(s\)\n$/)
  })

  it('--json | head -1 exits quietly when the reader goes away (no EPIPE stack)', async () => {
    const script = `"$TSX" src/cli/main.ts ledger --json 2>"$ERR_FILE"; echo "exit=$?" >"$CODE_FILE"`
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-pipe-'))
    const files = { ERR_FILE: path.join(dir, 'stderr'), CODE_FILE: path.join(dir, 'code') }
    const first = await new Promise<string>((resolve, reject) =>
      execFile(
        'sh',
        ['-c', `{ ${script}; } | head -1`],
        { cwd: root, env: { ...process.env, TSX: tsx, DATABASE_PATH: databasePath, ...files } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    )
    const { readFileSync } = await import('node:fs')
    expect(JSON.parse(first)).toMatchObject({ assetSymbol: 'TMAI', usdValue: '0.0153' })
    expect(readFileSync(files.ERR_FILE, 'utf8')).toBe('')
    expect(readFileSync(files.CODE_FILE, 'utf8').trim()).toBe('exit=0')
  })
})

describe('call', () => {
  it('against a server that is not running names the URL and how to start it', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    for (const extra of [[], ['--dry-run']]) {
      const { code, stdout, stderr } = await cli(['call', '/v1/price?symbol=ETH', '--url', url, ...extra], {
        PAYER_PRIVATE_KEY: `0x${'59'.repeat(32)}`,
      })
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(
        `no server answers at ${url} (connection refused). Start it with 'npm start' (or 'x402-analytics serve'), or point --url at a running one.\n`,
      )
    }
  }, 60_000)
})
