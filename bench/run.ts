import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { benchEndpoints } from './endpoints'
import { benchPayments } from './payments'
import { benchWorkers } from './workers'

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'challenge-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    'paid-calls': { type: 'string', default: '200' },
    samples: { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h' },
  },
})
if (values.help) {
  console.log(
    `Usage: npm run bench [-- --only payments|endpoints|workers] [--samples 20] [--challenge-seconds 5] [--concurrency 16] [--paid-calls 200]`,
  )
  process.exit(0)
}

console.log(`# x402-analytics benchmark — ${new Date().toISOString()}`)
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
)
if (!values.only || values.only === 'payments') {
  await benchPayments({
    challengeSeconds: Number(values['challenge-seconds']),
    concurrency: Number(values.concurrency),
    paidCalls: Number(values['paid-calls']),
  })
}
if (!values.only || values.only === 'endpoints') {
  await benchEndpoints({ samples: Number(values.samples) })
}
if (!values.only || values.only === 'workers') {
  await benchWorkers({
    challengeSeconds: Number(values['challenge-seconds']),
    concurrency: Number(values.concurrency),
    paidCalls: Math.min(100, Number(values['paid-calls'])),
  })
}
