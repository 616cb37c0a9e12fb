/**
 * Child-process probe for test/e2e/memory-bounds.test.ts: the real app over a real SQLite file takes 2,000 distinct
 * large free queries per phase, and the resident set size is measured after full collections (run with
 * `node --expose-gc --import tsx`), so the figures are what the process really keeps. Prints one JSON line.
 *
 * Phase "oversized": a 60 KB `category` each (the probe). Phase "large answers": valid queries whose answers
 * are ~20 KB each (99 of 100 tokens, in 2,000 distinct orders), which a result cache keeps unless it is byte-bounded.
 */
import { catalog } from '../../src/catalog'
import { createTestContext } from './context'
import { settledRssMb } from './settled-rss'

const QUERIES = 2_000

const ctx = await createTestContext({
  rpcUrl: 'http://127.0.0.1:9', // free endpoints never call the chain
  endpoints: catalog,
  env: { LOG_LEVEL: 'silent', ...JSON.parse(process.env.PROBE_ENV ?? '{}') },
})
const symbols = Array.from({ length: 100 }, (_, i) => `T${String(i).padStart(3, '0')}`)
await ctx.services.market.saveTokens(
  symbols.map((symbol, i) => ({
    symbol,
    name: `Probe token number ${i} with a long-ish name`,
    category: `Category ${i % 7}`,
    subcategory: 'A subcategory of realistic length',
    homeChain: 'Ethereum',
    coingeckoId: `probe-token-${i}`,
  })),
)

const statuses = new Map<number, number>()
async function get(path: string): Promise<void> {
  const res = await ctx.app.request(`http://localhost${path}`)
  await res.arrayBuffer()
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
}
const oversized = (i: number) => `/v1/tokens?category=${String(i).padStart(6, '0')}${'x'.repeat(60_000)}`
const largeAnswer = (i: number) => {
  const rest = symbols.filter((_, k) => k !== i % 100)
  const shift = Math.floor(i / 100)
  return `/v1/tokens?limit=100&symbol=${[...rest.slice(shift), ...rest.slice(0, shift)].join(',')}`
}

// Warm-up with queries outside the measured sets, so code paths and pools exist before the baseline.
for (let i = 0; i < 50; i++) {
  await get(oversized(QUERIES + i))
  await get(largeAnswer(QUERIES + i))
}
const baseline = settledRssMb()
for (let i = 0; i < QUERIES; i++) await get(oversized(i))
const afterOversized = settledRssMb()
for (let i = 0; i < QUERIES; i++) await get(largeAnswer(i))
const afterLarge = settledRssMb()
ctx.close()

console.log(
  JSON.stringify({
    baselineMb: baseline,
    oversizedGrowthMb: afterOversized - baseline,
    largeAnswersGrowthMb: afterLarge - afterOversized,
    totalGrowthMb: afterLarge - baseline,
    statuses: Object.fromEntries(statuses),
  }),
)
