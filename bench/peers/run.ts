/**
 * `npm run bench:peers`: this project against x402-hono 1.1 (+ the x402 1.2 facilitator) and @x402/hono 2.27, each
 * self-facilitated, on the same devnet contract and machine, one route priced like our tier 1, the identical load
 * against all, interleaved over several rounds; once on an automining devnet and once with 2-second blocks.
 * Prints absolute figures and ratios to the references. Every server is its own process (its own process group),
 * every port a free one; everything started here is stopped here.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { x402Client } from '@x402/core/client'
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from '@x402/core/http'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { createWalletClient, type Hash, http, parseAbi, parseEventLogs, publicActions } from 'viem'
import { createPaymentHeader } from 'x402/client'
import { eip3009Abi } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { startTestDevnet, type TestDevnet } from '../../test/helpers/devnet'
import { percentile, table } from '../stats'
import { BENCH_REQUEST } from './common'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'challenge-seconds': { type: 'string', default: '5' },
    sequential: { type: 'string', default: '40' },
    'sequential-blocks': { type: 'string', default: '8' },
    'per-payer': { type: 'string', default: '30' },
    'loop-seconds': { type: 'string', default: '10' },
    modes: { type: 'string', default: 'automine,block-time-2' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(`Usage: npm run bench:peers [-- --rounds 3] [--challenge-seconds 5] [--sequential 40]
  [--sequential-blocks 8] [--per-payer 30] [--loop-seconds 10] [--modes automine,block-time-2]
  [--profile DIR]   write a --cpu-prof of our server (each round, each mode) into DIR`)
  process.exit(0)
}
const ROUNDS = Number(values.rounds)
const CHALLENGE_SECONDS = Number(values['challenge-seconds'])
const usdc = NETWORKS.devnet.usdc.address
const payTo = devnetAccount(0).address
const ROOT = path.resolve(import.meta.dirname, '../..')
const transferAbi = parseAbi(['function transfer(address to, uint256 value) returns (bool)'])

/** Payers: 1–8 for the 8 × 15 load, 9 for sequential calls, 10–59 for the 50-payer loop. Keys 60–63 settle. */
const CONCURRENT_PAYERS = [1, 2, 3, 4, 5, 6, 7, 8]
const SEQUENTIAL_PAYER = 9
const LOOP_PAYERS = Array.from({ length: 50 }, (_, i) => 10 + i)

type ServerKind = 'ours' | 'ours-optimistic' | 'ours-unbatched' | 'x402-hono' | '@x402/hono'
interface Server {
  kind: ServerKind
  url: string
  child: ChildProcess
  /** Peak resident memory (VmHWM) so far, in MiB. */
  peakRssMiB(): number
  stop(): Promise<void>
}

const SERVER_FILES: Record<ServerKind, string> = {
  ours: 'ours.ts',
  'ours-optimistic': 'ours.ts',
  'ours-unbatched': 'ours.ts',
  'x402-hono': 'reference-v1.ts',
  '@x402/hono': 'reference-v2.ts',
}

/** Each server's stderr (our log lines, crashes) goes to a file in the temp directory. */
const logFile = (kind: ServerKind) =>
  openSync(path.join(tmpdir(), `x402-bench-${kind.replace(/\W/g, '_')}.log`), 'w')

async function startServer(kind: ServerKind, env: Record<string, string>, nodeArgs: string[] = []) {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'bench/peers', SERVER_FILES[kind])],
    { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', logFile(kind)] },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${kind} did not start`)), 60_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /READY (\S+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before it was ready`)))
  })
  const server: Server = {
    kind,
    url,
    child,
    peakRssMiB: () => {
      try {
        const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]
        return kb ? Number(kb) / 1024 : Number.NaN
      } catch {
        return Number.NaN
      }
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
    },
  }
  return server
}

// ---------------------------------------------------------------------------------------------------------------------
// Payments, signed ahead of time with the official clients (signing is the payer's cost, not the server's)
// ---------------------------------------------------------------------------------------------------------------------

interface SignedPayment {
  headers: Record<string, string>
  from: `0x${string}`
  nonce: Hash
}

const v2Clients = new Map<number, x402Client>()
function v2ClientFor(index: number) {
  let client = v2Clients.get(index)
  if (!client) {
    client = new x402Client()
    registerExactEvmScheme(client, { signer: devnetAccount(index) })
    v2Clients.set(index, client)
  }
  return client
}

async function signPayments(devnet: TestDevnet, server: Server, payer: number, count: number) {
  const challenge = await fetch(`${server.url}${BENCH_REQUEST}`)
  const header = challenge.headers.get('payment-required')
  const body = (await challenge.json()) as { accepts?: unknown[] }
  const signed: SignedPayment[] = []
  for (let i = 0; i < count; i++) {
    if (header) {
      const paymentRequired = decodePaymentRequiredHeader(header)
      const payload = await v2ClientFor(payer).createPaymentPayload(paymentRequired)
      const auth = (payload.payload as { authorization: { from: `0x${string}`; nonce: Hash } }).authorization
      signed.push({
        headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(payload) },
        from: auth.from,
        nonce: auth.nonce,
      })
    } else {
      const wallet = createWalletClient({
        account: devnetAccount(payer),
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
      }).extend(publicActions)
      const xPayment = await createPaymentHeader(wallet as never, 1, body.accepts![0] as never)
      const decoded = JSON.parse(Buffer.from(xPayment, 'base64').toString()) as {
        payload: { authorization: { from: `0x${string}`; nonce: Hash } }
      }
      signed.push({
        headers: { 'X-PAYMENT': xPayment },
        from: decoded.payload.authorization.from,
        nonce: decoded.payload.authorization.nonce,
      })
    }
  }
  return signed
}

interface CallResult {
  status: number
  ms: number
  nonceError: boolean
}

async function call(server: Server, payment: SignedPayment): Promise<CallResult> {
  const started = performance.now()
  try {
    const res = await fetch(`${server.url}${BENCH_REQUEST}`, { headers: payment.headers })
    const text = await res.text()
    const ms = performance.now() - started
    return { status: res.status, ms, nonceError: res.status !== 200 && /nonce/i.test(text) }
  } catch {
    // The server dropped the connection: a refused request like any other failure.
    return { status: 0, ms: performance.now() - started, nonceError: false }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The measures
// ---------------------------------------------------------------------------------------------------------------------

/** 402 challenges per second with autocannon (50 connections), in its own process. */
async function challengesPerSecond(server: Server): Promise<number> {
  const child = spawn(
    path.join(ROOT, 'node_modules/.bin/autocannon'),
    ['-c', '50', '-d', String(CHALLENGE_SECONDS), '--json', `${server.url}${BENCH_REQUEST}`],
    { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
  )
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  await new Promise((resolve) => child.once('exit', resolve))
  const result = JSON.parse(out) as { requests: { average: number; total: number }; non2xx: number }
  if (result.non2xx !== result.requests.total) throw new Error(`${server.kind}: not every answer was a 402`)
  return result.requests.average
}

async function sequential(server: Server, payments: SignedPayment[]) {
  const results: CallResult[] = []
  for (const payment of payments) results.push(await call(server, payment))
  return results
}

/** Each payer keeps `inFlight` requests going until its payments are used up; paid/s over the whole run. */
async function concurrent(server: Server, byPayer: SignedPayment[][], inFlight: number) {
  const started = performance.now()
  const results: CallResult[] = []
  await Promise.all(
    byPayer.flatMap((queue) =>
      Array.from({ length: inFlight }, async () => {
        for (let payment = queue.shift(); payment; payment = queue.shift()) {
          results.push(await call(server, payment))
        }
      }),
    ),
  )
  const seconds = (performance.now() - started) / 1000
  return { results, seconds }
}

/**
 * 50 payers, one request in flight each, for `seconds` (or until their signed payments run out); then waits for every
 * served payment to be used on chain. Settled payments per second, over the time from the first request to the last
 * settlement.
 */
async function payerLoop(devnet: TestDevnet, server: Server, byPayer: SignedPayment[][], seconds: number) {
  const started = performance.now()
  const deadline = started + seconds * 1000
  const served: SignedPayment[] = []
  const results: CallResult[] = []
  await Promise.all(
    byPayer.map(async (queue) => {
      for (let payment = queue.shift(); payment && performance.now() < deadline; payment = queue.shift()) {
        const result = await call(server, payment)
        results.push(result)
        if (result.status === 200) served.push(payment)
      }
    }),
  )
  const settled = await waitUntilUsed(devnet, served, 60_000)
  const lastSettledAt = performance.now()
  const gas = await gasPerPayment(devnet, served)
  return {
    results,
    settled,
    settledPerSecond: settled / ((lastSettledAt - started) / 1000),
    gasPerPayment: gas,
  }
}

/** How many of `payments` have their authorization used on chain, waiting up to `timeoutMs` for all of them. */
async function waitUntilUsed(devnet: TestDevnet, payments: SignedPayment[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  let pending = payments
  while (pending.length > 0 && Date.now() < deadline) {
    const states = await devnet.client.multicall({
      allowFailure: false,
      contracts: pending.map((p) => ({
        address: usdc,
        abi: eip3009Abi,
        functionName: 'authorizationState' as const,
        args: [p.from, p.nonce] as const,
      })),
    })
    pending = pending.filter((_, i) => !states[i])
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 100))
  }
  return payments.length - pending.length
}

/** Gas of the transactions that used these authorizations, per payment. */
async function gasPerPayment(devnet: TestDevnet, payments: SignedPayment[]) {
  if (payments.length === 0) return Number.NaN
  const nonces = new Set(payments.map((p) => p.nonce.toLowerCase()))
  const latest = await devnet.client.getBlockNumber()
  const logs = await devnet.client.getLogs({
    address: usdc,
    event: eip3009Abi.find((item) => item.type === 'event' && item.name === 'AuthorizationUsed')!,
    fromBlock: latest > 500n ? latest - 500n : 0n,
    toBlock: latest,
  } as never)
  const used = parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs })
  const txs = new Set(
    used.filter((l) => nonces.has(l.args.nonce.toLowerCase())).map((l) => l.transactionHash),
  )
  let gas = 0n
  for (const hash of txs) gas += (await devnet.client.getTransactionReceipt({ hash })).gasUsed
  return Number(gas) / payments.length
}

// ---------------------------------------------------------------------------------------------------------------------
// One block mode
// ---------------------------------------------------------------------------------------------------------------------

async function fundPayers(devnet: TestDevnet) {
  for (const [i, index] of LOOP_PAYERS.entries()) {
    const from = 1 + (i % 9)
    const wallet = createWalletClient({
      account: devnetAccount(from),
      chain: devnet.chain,
      transport: http(devnet.rpcUrl),
    })
    const hash = await wallet.writeContract({
      address: usdc,
      abi: transferAbi,
      functionName: 'transfer',
      args: [devnetAccount(index).address, 40_000_000n],
    })
    await devnet.client.waitForTransactionReceipt({ hash })
  }
  for (const key of [60, 61, 62, 63]) {
    await devnet.testClient.setBalance({ address: devnetAccount(key).address, value: 10n ** 21n })
  }
}

type Row = Record<string, number>
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

async function benchMode(mode: 'automine' | 'block-time-2') {
  const devnet = await startTestDevnet()
  const servers: Server[] = []
  const figures = new Map<ServerKind, Row[]>()
  const record = (kind: ServerKind, row: Row) => figures.set(kind, [...(figures.get(kind) ?? []), row])
  try {
    await fundPayers(devnet)
    if (mode === 'block-time-2') {
      // anvil's --block-time 2, switched on after the setup (which would otherwise wait a block per transaction).
      await devnet.testClient.setAutomine(false)
      await devnet.testClient.setIntervalMining({ interval: 2 })
    }
    const common = {
      RPC_URL: devnet.rpcUrl,
      PAY_TO: payTo,
      LOG_LEVEL: 'info',
      REFERENCE_POLLING_MS: mode === 'automine' ? '25' : '250',
    }
    const ours = {
      ...common,
      SPEND_MAX_USD_PER_PAYER_HOUR: 'none',
      SPEND_MAX_USD_PER_PAYER_DAY: 'none',
      SPEND_MAX_USD_PER_CALL: 'none',
      SETTLEMENT_BATCH_MAX: '64',
      SETTLEMENT_BATCH_WAIT_MS: '0',
      MARKET_DATA_REFRESH_MINUTES: '0',
      FIRST_RUN_INGEST: 'false',
    }
    // One directory per server: tsx's loader thread writes a profile of its own beside the main thread's.
    const profile = (name: string) =>
      values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(values.profile, `${mode}-${name}`)}`] : []
    servers.push(await startServer('ours', { ...ours, SETTLER_KEY: devnetPrivateKey(0) }, profile('ours')))
    servers.push(
      await startServer(
        'ours-optimistic',
        {
          ...ours,
          SETTLER_KEY: devnetPrivateKey(62),
          SETTLE_OPTIMISTIC_ROUTES: '*',
          OPTIMISTIC_MAX_USD_PER_PAYER: '10',
          OPTIMISTIC_MAX_USD_TOTAL: '500',
        },
        profile('ours-optimistic'),
      ),
    )
    servers.push(
      await startServer('ours-unbatched', {
        ...ours,
        SETTLER_KEY: devnetPrivateKey(63),
        SETTLEMENT_BATCH_MAX: '1',
      }),
    )
    servers.push(await startServer('x402-hono', { ...common, SETTLER_KEY: devnetPrivateKey(60) }))
    servers.push(await startServer('@x402/hono', { ...common, SETTLER_KEY: devnetPrivateKey(61) }))
    const byKind = (kind: ServerKind) => servers.find((s) => s.kind === kind)!
    const main: ServerKind[] = ['ours', 'x402-hono', '@x402/hono']
    const loopKinds: ServerKind[] =
      mode === 'block-time-2'
        ? ['ours-optimistic', 'ours', 'ours-unbatched', 'x402-hono', '@x402/hono']
        : ['ours', 'ours-unbatched', 'x402-hono', '@x402/hono']
    const sequentialKinds: ServerKind[] = mode === 'block-time-2' ? [...main, 'ours-optimistic'] : main
    const sequentialCount = Number(mode === 'automine' ? values.sequential : values['sequential-blocks'])

    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved: each round starts with the next server, so drift in machine load spreads over all of them.
      const rotate = <T>(list: T[]) => [
        ...list.slice(round % list.length),
        ...list.slice(0, round % list.length),
      ]
      console.error(`[${mode}] round ${round + 1}/${ROUNDS} (load ${loadavg()[0]!.toFixed(2)})`)
      for (const kind of rotate(main)) record(kind, { challenges: await challengesPerSecond(byKind(kind)) })
      for (const kind of rotate(sequentialKinds)) {
        const payments = await signPayments(devnet, byKind(kind), SEQUENTIAL_PAYER, sequentialCount)
        const results = await sequential(byKind(kind), payments)
        const ok = results.filter((r) => r.status === 200).map((r) => r.ms)
        record(kind, {
          seqP50: percentile(ok, 50),
          seqP95: percentile(ok, 95),
          seqRefused: results.length - ok.length,
        })
      }
      for (const kind of rotate(main)) {
        const perPayer = Number(values['per-payer'])
        const byPayer = await Promise.all(
          CONCURRENT_PAYERS.map((p) => signPayments(devnet, byKind(kind), p, perPayer)),
        )
        const { results, seconds } = await concurrent(byKind(kind), byPayer, 15)
        const ok = results.filter((r) => r.status === 200).length
        record(kind, {
          concurrentPaid: ok / seconds,
          concurrentRefused: results.length - ok,
          concurrentNonceErrors: results.filter((r) => r.nonceError).length,
        })
      }
      for (const kind of rotate(loopKinds)) {
        const seconds = Number(values['loop-seconds'])
        const perPayer = mode === 'block-time-2' && kind === 'ours-optimistic' ? 40 : 12
        const byPayer = await Promise.all(
          LOOP_PAYERS.map((p) => signPayments(devnet, byKind(kind), p, perPayer)),
        )
        const loop = await payerLoop(devnet, byKind(kind), byPayer, seconds)
        record(kind, {
          loopSettled: loop.settledPerSecond,
          loopRefused: loop.results.filter((r) => r.status !== 200).length,
          loopNonceErrors: loop.results.filter((r) => r.nonceError).length,
          loopGas: loop.gasPerPayment,
          ...(kind === 'ours-optimistic'
            ? {
                optP50: percentile(
                  loop.results.filter((r) => r.status === 200).map((r) => r.ms),
                  50,
                ),
              }
            : {}),
        })
      }
    }
    for (const server of servers) record(server.kind, { rssMiB: server.peakRssMiB() })
    return { figures, driverRssMiB: process.resourceUsage().maxRSS / 1024 }
  } finally {
    for (const server of servers) await server.stop()
    await devnet.stop()
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------------

function summarise(rows: Row[] | undefined, key: string): number {
  const values = (rows ?? [])
    .map((r) => r[key])
    .filter((v): v is number => v !== undefined && !Number.isNaN(v))
  return values.length ? mean(values) : Number.NaN
}
const n = (x: number, digits = 0) => (Number.isNaN(x) ? '–' : x.toFixed(digits))
const ratio = (a: number, b: number) =>
  Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '–' : `${(a / b).toFixed(2)}×`

function report(mode: string, result: Awaited<ReturnType<typeof benchMode>>) {
  const f = (kind: ServerKind, key: string) => summarise(result.figures.get(kind), key)
  const kinds: ServerKind[] = ['ours', 'ours-optimistic', 'ours-unbatched', '@x402/hono', 'x402-hono']
  const row = (label: string, key: string, digits = 0, better: 'higher' | 'lower' = 'higher') => {
    const ours = f('ours', key)
    const oursBest =
      key.startsWith('loop') && !Number.isNaN(f('ours-optimistic', key)) ? f('ours-optimistic', key) : ours
    return [
      label,
      ...kinds.map((k) => n(f(k, key), digits)),
      better === 'higher' ? ratio(oursBest, f('@x402/hono', key)) : ratio(f('@x402/hono', key), oursBest),
      better === 'higher' ? ratio(oursBest, f('x402-hono', key)) : ratio(f('x402-hono', key), oursBest),
    ]
  }
  console.log(`\n### ${mode === 'automine' ? 'automining devnet' : '2-second blocks (Base-like)'}\n`)
  console.log(
    table([
      [
        'measure',
        'ours',
        'ours optimistic',
        'ours unbatched',
        '@x402/hono 2.27',
        'x402-hono 1.1',
        'vs @x402/hono',
        'vs x402-hono',
      ],
      row('402 challenges/s (autocannon, 50 conn.)', 'challenges'),
      row('sequential paid p50 ms', 'seqP50', 1, 'lower'),
      row('sequential paid p95 ms', 'seqP95', 1, 'lower'),
      row('8 payers × 15 in flight: paid/s', 'concurrentPaid', 1),
      row('8 × 15: refused', 'concurrentRefused'),
      row('8 × 15: nonce errors', 'concurrentNonceErrors'),
      row('50 payers in flight: settled/s', 'loopSettled', 1),
      row('50 payers: refused', 'loopRefused'),
      row('50 payers: nonce errors', 'loopNonceErrors'),
      row('50 payers: gas per settled payment', 'loopGas', 0, 'lower'),
      row('optimistic paid p50 ms (50 payers)', 'optP50', 1, 'lower'),
      row('peak RSS MiB', 'rssMiB', 0, 'lower'),
    ]),
  )
  console.log(
    `(ratios: ours — optimistic where it ran — over the reference; for latency, gas and RSS: reference over ours)`,
  )
  console.log(`bench driver peak RSS: ${result.driverRssMiB.toFixed(0)} MiB`)
}

console.log(`# x402 servers side by side — ${new Date().toISOString()}`)
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
console.log(
  `rounds: ${ROUNDS}, interleaved; 402s for ${CHALLENGE_SECONDS} s each; figures are means over rounds`,
)
for (const mode of values.modes!.split(',') as ('automine' | 'block-time-2')[]) {
  const result = await benchMode(mode)
  report(mode, result)
  console.log(
    `load average after ${mode}: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
}
