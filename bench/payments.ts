import { existsSync } from 'node:fs'
import path from 'node:path'
import { devnetAccount } from '../src/devnet/accounts'
import { importOhlcvCsv, importTokensCsv } from '../src/market-data/csv-import'
import { createTestContext, listen } from '../test/helpers/context'
import { startTestDevnet } from '../test/helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../test/helpers/payments'
import { fmt, percentile, table } from './stats'

const SHARED = path.resolve(import.meta.dirname, '../../shared/data')

/** 402 challenge throughput and paid-call latency (verify / handler / settle) over real HTTP on the devnet. */
export async function benchPayments(options: {
  challengeSeconds: number
  concurrency: number
  paidCalls: number
}) {
  const devnet = await startTestDevnet()
  const ctx = await createTestContext({
    rpcUrl: devnet.rpcUrl,
    env: { LOG_LEVEL: 'silent', ACCESS_LOG_CHALLENGE_SAMPLE: '100' },
    seed: !existsSync(SHARED),
  })
  if (existsSync(SHARED)) {
    await importTokensCsv(ctx.services.market, path.join(SHARED, 'tokens.csv'))
    await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'daily_ohlcv.csv'))
  }
  const server = await listen(ctx.app)
  const url = `${server.url}/v1/daily-ohlcv?symbol=ETH&limit=30`
  try {
    // Warm up connections and code paths.
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
    const challengeRps = challenges / options.challengeSeconds

    const totals: number[] = []
    for (let i = 0; i < options.paidCalls; i++) {
      const payer = devnetAccount(1 + (i % 9))
      const header = v2Header(await signUsdcAuthorization(payer))
      const started = performance.now()
      const res = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } })
      await res.arrayBuffer()
      totals.push(performance.now() - started)
      if (res.status !== 200) throw new Error(`paid call ${i} answered ${res.status}`)
    }
    const rows = await ctx.payments({ state: 'settled' })
    const part = (key: 'verifyMs' | 'handlerMs' | 'settleMs') => rows.map((r) => r[key] ?? 0)
    console.log(`\n## Payments (devnet anvil, real HTTP on loopback, real SQLite)\n`)
    console.log(
      `402 challenge throughput: ${Math.round(challengeRps)} req/s (${options.concurrency} concurrent clients, ${options.challengeSeconds} s)`,
    )
    console.log(`paid calls: ${rows.length} sequential USDC payments (EIP-3009, v2 header), latency in ms:\n`)
    console.log(
      table([
        ['phase', 'p50', 'p95'],
        [
          'verify (signature, balance, nonce, simulation)',
          fmt(percentile(part('verifyMs'), 50)),
          fmt(percentile(part('verifyMs'), 95)),
        ],
        ['handler', fmt(percentile(part('handlerMs'), 50)), fmt(percentile(part('handlerMs'), 95))],
        [
          'settle (broadcast + receipt + Transfer check)',
          fmt(percentile(part('settleMs'), 50)),
          fmt(percentile(part('settleMs'), 95)),
        ],
        ['total as seen by the client', fmt(percentile(totals, 50)), fmt(percentile(totals, 95))],
      ]),
    )
  } finally {
    await server.close()
    ctx.close()
    await devnet.stop()
  }
}
