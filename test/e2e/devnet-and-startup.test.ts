import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createPublicClient, http } from 'viem'
import { describe, expect, it } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { parseEnv } from '../../src/config/env'
import { CANONICAL, NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { DEVNET_FUNDING } from '../../src/devnet/setup'
import { X402_STAND_INS } from '../../src/devnet/x402-stand-ins'
import { startNode } from '../../src/node'
import { freePort } from '../helpers/devnet'

const root = path.resolve(import.meta.dirname, '../..')
const shared = path.resolve(root, '../shared/data')

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('npm start on a fresh machine', () => {
  it('starts the devnet as DESIGN.md §2 specifies, imports MARKET_DATA_CSV, serves, and stops anvil with it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-start-'))
    const csv = path.join(dir, 'daily.csv')
    writeFileSync(
      csv,
      'symbol,date,open,high,low,close,volume,market_cap\nETH,2026-03-17,1,2,0.5,1.5,100,1000\nETH,2026-03-18,1.5,2,1,1.8,120,\nBAD,not-a-date,1,1,1,1,1,1\n',
    )
    writeFileSync(path.join(dir, 'tokens.csv'), 'symbol,name,category\nETH,Ethereum,Layer 1\n')
    const devnetPort = await freePort()
    const node = await startNode(
      parseEnv({
        PORT: '0',
        DEVNET_PORT: String(devnetPort),
        DATABASE_PATH: path.join(dir, 'db.sqlite'),
        MARKET_DATA_CSV: csv,
        LOG_LEVEL: 'silent',
      }),
    )
    try {
      expect(node.rpcUrl).toBe(`http://127.0.0.1:${devnetPort}`)
      const client = createPublicClient({ transport: http(node.rpcUrl) })
      expect(await client.getChainId()).toBe(8453)
      const usdc = NETWORKS.devnet.usdc.address
      const tmai = NETWORKS.devnet.tmai!.address
      expect(await client.readContract({ address: usdc, abi: erc20Abi, functionName: 'decimals' })).toBe(6)
      expect(await client.readContract({ address: usdc, abi: erc20Abi, functionName: 'name' })).toBe(
        'USD Coin',
      )
      expect(await client.readContract({ address: tmai, abi: erc20Abi, functionName: 'decimals' })).toBe(18)
      expect(await client.getCode({ address: CANONICAL.multicall3 })).toMatch(/^0x[0-9a-f]{100,}/)
      // The x402 `upto` proxy and `batch-settlement` stand-ins (docs/devnet-contracts.md).
      for (const address of Object.values(X402_STAND_INS)) {
        expect(await client.getCode({ address }), address).toMatch(/^0x[0-9a-f]{1000,}/)
      }
      for (const index of [1, 5, 6, 9]) {
        const who = devnetAccount(index).address
        expect(await client.getBalance({ address: who })).toBe(DEVNET_FUNDING.eth)
        expect(
          await client.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [who] }),
        ).toBe(DEVNET_FUNDING.usdc)
        expect(
          await client.readContract({ address: tmai, abi: erc20Abi, functionName: 'balanceOf', args: [who] }),
        ).toBe(DEVNET_FUNDING.tmai)
        const allowance = await client.readContract({
          address: tmai,
          abi: erc20Abi,
          functionName: 'allowance',
          args: [who, CANONICAL.permit2],
        })
        expect(allowance > 0n).toBe(index <= 5)
      }
      const price = await fetch(`${node.url}/v1/price?symbol=ETH`)
      expect(await price.json()).toMatchObject({
        success: true,
        data: [{ TOKEN_SYMBOL: 'ETH', TOKEN_NAME: 'Ethereum', CURRENT_PRICE: 1.8, DATE: '2026-03-18' }],
        meta: { source: 'csv', asOf: '2026-03-18' },
      })
      expect((await fetch(`${node.url}/v1/daily-ohlcv?symbol=ETH`)).status).toBe(402)
    } finally {
      await node.stop()
    }
    const pid = Number(
      execFileSync('sh', ['-c', `pgrep -f "anvil.*--port ${devnetPort}" || true`])
        .toString()
        .trim() || 0,
    )
    expect(pid === 0 || !processAlive(pid)).toBe(true)
    await expect(fetch(node.rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
  })

  it('without market data, data endpoints answer 503 market_data_unavailable before asking for money', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x402-empty-'))
    const node = await startNode(
      parseEnv({
        PORT: '0',
        DEVNET_PORT: String(await freePort()),
        DATABASE_PATH: path.join(dir, 'db.sqlite'),
        LOG_LEVEL: 'silent',
        FIRST_RUN_INGEST: 'false',
      }),
    )
    try {
      for (const p of ['/v1/daily-ohlcv?symbol=ETH', '/v1/price?symbol=ETH']) {
        const res = await fetch(`${node.url}${p}`)
        expect(res.status).toBe(503)
        const body = (await res.json()) as { error: string; hint: string }
        expect(body.error).toBe('market_data_unavailable')
        expect(body.hint).toMatch(/ingest/)
      }
      expect((await fetch(`${node.url}/v1/tokens`)).status).toBe(200)
    } finally {
      await node.stop()
    }
  })

  it.runIf(existsSync(path.join(shared, 'daily_ohlcv.csv')))(
    'ingest --csv imports the real dataset idempotently, with progress and a summary',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'x402-ingest-'))
      const env = { ...process.env, DATABASE_PATH: path.join(dir, 'db.sqlite') }
      const run = () =>
        execFileSync(
          'npx',
          ['tsx', 'src/cli/main.ts', 'ingest', '--csv', path.join(shared, 'daily_ohlcv.csv')],
          {
            cwd: root,
            env,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        )
      const first = run()
      expect(first).toMatch(/tokens: 85 upserted/)
      expect(first).toMatch(
        /1d candles: 62,755 upserted \(62,755 new\) for 81 symbols, 2024-01-10 → 2026-03-18, 0 skipped/,
      )
      const second = run()
      expect(second).toMatch(/62,755 upserted \(0 new\) for 81 symbols/)
      const count = execFileSync(
        'node',
        [
          '-e',
          `const D=require('better-sqlite3');const d=new D(process.argv[1]);console.log(d.prepare('select count(*) n from daily_ohlcv').get().n)`,
          env.DATABASE_PATH,
        ],
        { cwd: root, encoding: 'utf8' },
      )
      expect(Number(count)).toBe(62_755)
    },
    60_000,
  )
})

describe('CLI', () => {
  it.each(['serve', 'ingest', 'call', 'ledger'])('%s --help explains itself', (command) => {
    const out = execFileSync('npx', ['tsx', 'src/cli/main.ts', command, '--help'], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(out).toMatch(new RegExp(`Usage: x402-analytics ${command}`))
  })
})
