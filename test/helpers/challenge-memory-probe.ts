/**
 * Child-process probe for test/e2e/memory-bounds.test.ts: the real app over a real SQLite file answers 10,000 unpaid
 * requests to its paid routes, each with a unique ~1.5 KB query string (every one a 402 whose resource URL differs),
 * and the resident set size is measured after full collections (run with `node --expose-gc --import tsx`). Prints one
 * JSON line.
 */
import { catalog } from '../../src/catalog'
import { filledChallenges } from '../../src/http/x402-responses'
import { createTestContext } from './context'
import { settledRssMb } from './settled-rss'

const REQUESTS = 10_000

const ctx = await createTestContext({
  rpcUrl: 'http://127.0.0.1:9', // a 402 never calls the chain
  env: { LOG_LEVEL: 'silent', ...JSON.parse(process.env.PROBE_ENV ?? '{}') },
})
const paid = catalog.filter((e) => e.tier !== 'free').map((e) => e.path)
const statuses = new Map<number, number>()
async function get(i: number): Promise<void> {
  const tag = String(i).padStart(6, '0')
  const res = await ctx.app.request(
    `http://localhost${paid[i % paid.length]}?note=${tag}${'q'.repeat(1_500)}`,
  )
  await res.arrayBuffer()
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
}

// Warm-up outside the measured set, so code paths and pools exist before the baseline.
for (let i = 0; i < 200; i++) await get(REQUESTS + i)
const baseline = settledRssMb()
for (let i = 0; i < REQUESTS; i++) await get(i)
const after = settledRssMb()
ctx.close()

console.log(
  JSON.stringify({
    routes: paid.length,
    baselineMb: baseline,
    growthMb: after - baseline,
    filledCacheBytes: filledChallenges.bytes,
    statuses: Object.fromEntries(statuses),
  }),
)
