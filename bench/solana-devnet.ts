/**
 * The local Solana chain's own figures: time to start (own process and in process) and an exact payment's latency
 * with the official @x402/svm client and facilitator (build, verify, settle). Run: npx tsx bench/solana-devnet.ts
 */
import { parseArgs } from 'node:util'
import { startSolanaDevnet } from '../src/devnet/solana/process'
import { startSolanaDevnetServer } from '../src/devnet/solana/server'
import { officialFacilitator, payWithOfficialClient, solanaRequirements } from '../test/helpers/solana'
import { fmt, percentile, table } from './stats'

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '3' },
    payments: { type: 'string', default: '30' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log('Usage: npx tsx bench/solana-devnet.ts [--starts 3] [--payments 30]')
  process.exit(0)
}

const row = (name: string, samples: number[]) => [
  name,
  String(samples.length),
  fmt(percentile(samples, 50)),
  fmt(percentile(samples, 95)),
]
const rows = [['ms', 'n', 'p50', 'p95']]

const processStarts: number[] = []
for (let i = 0; i < Number(values.starts); i++) {
  const started = performance.now()
  const chain = await startSolanaDevnet({ port: 0 })
  processStarts.push(performance.now() - started)
  await chain.stop()
}
rows.push(row('start, own process (spawn → /health ok)', processStarts))

const inProcess: number[] = []
for (let i = 0; i < Number(values.starts); i++) {
  const started = performance.now()
  const server = await startSolanaDevnetServer({ port: 0 })
  inProcess.push(performance.now() - started)
  await server.close()
}
rows.push(row('start, in process (chain + set-up + listen)', inProcess))

const chain = await startSolanaDevnet({ port: 0 })
const requirements = await solanaRequirements()
const { scheme } = await officialFacilitator(chain.rpcUrl)
const build: number[] = []
const verify: number[] = []
const settle: number[] = []
for (let i = 0; i < Number(values.payments); i++) {
  const t0 = performance.now()
  const payload = await payWithOfficialClient(chain.rpcUrl, 1 + (i % 9), requirements)
  const t1 = performance.now()
  const verdict = await scheme.verify(payload, requirements)
  const t2 = performance.now()
  const settled = await scheme.settle(payload, requirements)
  const t3 = performance.now()
  if (!verdict.isValid || !settled.success) throw new Error(`payment ${i} failed: ${JSON.stringify(settled)}`)
  build.push(t1 - t0)
  verify.push(t2 - t1)
  settle.push(t3 - t2)
}
await chain.stop()
rows.push(row('payment: client builds (getAccountInfo, getLatestBlockhash)', build))
rows.push(row('payment: facilitator verifies (simulateTransaction)', verify))
rows.push(row('payment: facilitator settles (re-verify, send, confirm)', settle))
console.log(table(rows))
