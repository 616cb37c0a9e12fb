import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { listPayments } from '../src/db/queries/payments'
import { devnetAccount, devnetPrivateKey } from '../src/devnet/accounts'
import { sampleCandles } from '../test/helpers/context'
import { startTestDevnet } from '../test/helpers/devnet'
import { signUsdcAuthorization, usdcRequirementV2, v2Header } from '../test/helpers/payments'
import { cli, startTestWorker, writeCsvDataset } from '../test/helpers/worker'
import { fmt, percentile, table } from './stats'

const SHARED = path.resolve(import.meta.dirname, '../../shared/data')
const HEAVY = '/v1/correlation?symbol=BTC&days=365'

/**
 * The Worker on `wrangler dev --local` (workerd, local D1, the Durable Objects) against the devnet: 402 challenge
 * throughput, sequential paid-call latency, and the first call of a heavy endpoint after an ingest (result cache and
 * universe invalidated by the new data version, so it loads every daily bar from D1 and computes).
 */
export async function benchWorkers(options: {
  challengeSeconds: number
  concurrency: number
  paidCalls: number
}) {
  const devnet = await startTestDevnet()
  const real = existsSync(path.join(SHARED, 'daily_ohlcv.csv'))
  const dataset = real
    ? { candles: path.join(SHARED, 'daily_ohlcv.csv'), tokens: path.join(SHARED, 'tokens.csv') }
    : writeCsvDataset(
        mkdtempSync(path.join(tmpdir(), 'x402-bench-')),
        sampleCandles(['BTC', 'ETH', 'SOL'], 400),
        [
          { symbol: 'BTC', name: 'Bitcoin', category: 'Layer 1' },
          { symbol: 'ETH', name: 'Ethereum', category: 'Layer 1' },
          { symbol: 'SOL', name: 'Solana', category: 'Layer 1' },
        ],
      )
  const ingest = (persistTo: string) =>
    cli([
      'ingest',
      '--csv',
      dataset.candles,
      '--tokens',
      dataset.tokens,
      '--d1',
      'DB',
      '--local',
      '--persist-to',
      persistTo,
    ])
  let ingestMs = 0
  const worker = await startTestWorker({
    vars: { NETWORK: 'devnet', RPC_URL: devnet.rpcUrl, PAY_TO: devnetAccount(0).address, LOG_LEVEL: 'warn' },
    secrets: { SETTLER_PRIVATE_KEY: devnetPrivateKey(0) },
    prepare: async (persistTo) => {
      const started = performance.now()
      await ingest(persistTo)
      ingestMs = performance.now() - started
    },
  })
  const url = `${worker.url}/v1/daily-ohlcv?symbol=ETH&limit=30`
  const paid = async (target: string, header: string) => {
    const started = performance.now()
    const res = await fetch(target, { headers: { 'PAYMENT-SIGNATURE': header } })
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`paid call to ${target} answered ${res.status}`)
    return performance.now() - started
  }
  try {
    for (let i = 0; i < 50; i++) await (await fetch(url)).arrayBuffer()
    let challenges = 0
    const deadline = performance.now() + options.challengeSeconds * 1000
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) {
          const res = await fetch(url)
          await res.arrayBuffer()
          if (res.status !== 402) throw new Error(`expected 402, got ${res.status}`)
          challenges++
        }
      }),
    )

    const totals: number[] = []
    for (let i = 0; i < options.paidCalls; i++) {
      totals.push(await paid(url, v2Header(await signUsdcAuthorization(devnetAccount(1 + (i % 9))))))
    }

    // An ingest (here: one bar re-upserted) bumps the data version in D1: the next heavy answer recomputes from a
    // universe re-read from D1.
    const scratch = mkdtempSync(path.join(tmpdir(), 'x402-bench-'))
    const oneBar = path.join(scratch, 'one-bar.csv')
    writeFileSync(oneBar, `${readFileSync(dataset.candles, 'utf8').split('\n').slice(0, 2).join('\n')}\n`)
    await cli(['ingest', '--csv', oneBar, '--d1', 'DB', '--local', '--persist-to', worker.persistTo])
    rmSync(scratch, { recursive: true, force: true })
    await new Promise((r) => setTimeout(r, 2_500))
    const tier3 = usdcRequirementV2({ amount: '68000' })
    const heavy = async (payer: number) =>
      paid(
        `${worker.url}${HEAVY}`,
        v2Header(await signUsdcAuthorization(devnetAccount(payer), { value: 68_000n }), tier3),
      )
    const coldMs = await heavy(1)
    const warmMs = await heavy(2)

    const d1 = worker.d1()
    const rows = await listPayments(d1.db, { state: 'settled' })
    d1.close()
    const daily = rows.filter((r) => r.route === '/v1/daily-ohlcv')
    const heavyRows = rows.filter((r) => r.route === '/v1/correlation')
    const part = (key: 'verifyMs' | 'handlerMs' | 'settleMs') => daily.map((r) => r[key] ?? 0)
    console.log(`\n## Workers (wrangler dev --local: workerd, local D1, Durable Objects; devnet anvil)\n`)
    console.log(
      `data: ${real ? 'shared/data daily_ohlcv.csv' : 'synthetic sample'} loaded with ingest --d1 in ${(ingestMs / 1000).toFixed(1)} s`,
    )
    console.log(
      `402 challenge throughput: ${Math.round(challenges / options.challengeSeconds)} req/s (${options.concurrency} concurrent clients, ${options.challengeSeconds} s)`,
    )
    console.log(`paid calls: ${daily.length} sequential USDC payments (v2 header), latency in ms:\n`)
    console.log(
      table([
        ['phase', 'p50', 'p95'],
        ['verify', fmt(percentile(part('verifyMs'), 50)), fmt(percentile(part('verifyMs'), 95))],
        ['handler', fmt(percentile(part('handlerMs'), 50)), fmt(percentile(part('handlerMs'), 95))],
        [
          'settle (DO sign → D1 hash → broadcast, receipt)',
          fmt(percentile(part('settleMs'), 50)),
          fmt(percentile(part('settleMs'), 95)),
        ],
        ['total as seen by the client', fmt(percentile(totals, 50)), fmt(percentile(totals, 95))],
      ]),
    )
    const handlerOf = (i: number) => fmt(heavyRows[i]?.handlerMs ?? Number.NaN)
    console.log(
      `\n${HEAVY} after an ingest: first call ${fmt(coldMs)} ms total (handler ${handlerOf(0)} ms, loading the universe from D1), ` +
        `next call ${fmt(warmMs)} ms (handler ${handlerOf(1)} ms, cached)`,
    )
  } finally {
    await worker.stop()
    await devnet.stop()
  }
}
