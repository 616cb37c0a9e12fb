import { existsSync } from 'node:fs'
import path from 'node:path'
import { createApp } from '../src/app'
import { catalog } from '../src/catalog'
import type { Endpoint } from '../src/catalog/types'
import { importOhlcvCsv, importTokensCsv } from '../src/market-data/csv-import'
import { MarketStore } from '../src/market-data/store'
import { createTestContext } from '../test/helpers/context'
import { fmt, percentile, table } from './stats'

const SHARED = path.resolve(import.meta.dirname, '../../shared/data')
// createServices needs an RPC URL but only calls it for payments, which free endpoints never reach.
const NO_RPC = 'http://127.0.0.1:9'

export interface EndpointBenchRow {
  path: string
  query: Record<string, string>
  tier: string
  firstMs: number
  coldMs: number[]
  warmMs: number[]
}

/**
 * Handler latency of every catalog endpoint on its `examples.ok` query, in process (no HTTP, no payment: every tier
 * is forced to free). Three figures per endpoint:
 * - first: a fresh MarketStore and app, so it includes loading the daily universe from SQLite and building what
 *   the endpoint derives from it (return index, indices, market metrics);
 * - cold: a fresh app per sample (empty result cache) over the warm store and universe of this data version;
 * - warm: the same request repeated on one app (served from the result cache).
 */
export async function benchEndpoints(options: { samples: number }): Promise<EndpointBenchRow[]> {
  const free: Endpoint[] = catalog.map((e) => ({ ...e, tier: 'free' }))
  const real = existsSync(SHARED)
  const ctx = await createTestContext({
    rpcUrl: NO_RPC,
    env: { LOG_LEVEL: 'silent' },
    endpoints: free,
    seed: !real,
  })
  try {
    if (real) {
      await importTokensCsv(ctx.services.market, path.join(SHARED, 'tokens.csv'))
      await importOhlcvCsv(ctx.services.market, path.join(SHARED, 'daily_ohlcv.csv'))
      const hourly = path.join(SHARED, 'hourly_ohlcv.csv')
      if (existsSync(hourly)) await importOhlcvCsv(ctx.services.market, hourly)
    }
    const call = async (app: ReturnType<typeof createApp>, url: string): Promise<number> => {
      const started = performance.now()
      const res = await app.request(url)
      await res.arrayBuffer()
      const ms = performance.now() - started
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
      return ms
    }

    const symbols = [...(await ctx.services.market.allCandles('1d')).keys()].slice(0, 100).join(',')
    const runs = free.flatMap((endpoint) =>
      [endpoint.examples.ok, ...(HEAVY[endpoint.path]?.(symbols) ?? [])].map((query) => ({
        endpoint,
        query,
      })),
    )
    const rows: EndpointBenchRow[] = []
    for (const { endpoint, query } of runs) {
      const url = `http://localhost${endpoint.path}?${new URLSearchParams(query)}`
      const firstMs = await call(
        createApp({ ...ctx.services, market: new MarketStore(ctx.db) }, [endpoint]),
        url,
      )
      const coldMs: number[] = []
      for (let i = 0; i < options.samples; i++)
        coldMs.push(await call(createApp(ctx.services, [endpoint]), url))
      const app = createApp(ctx.services, [endpoint])
      await call(app, url)
      const warmMs: number[] = []
      for (let i = 0; i < options.samples; i++) warmMs.push(await call(app, url))
      rows.push({ path: endpoint.path, query, tier: catalogTier(endpoint.path), firstMs, coldMs, warmMs })
    }

    console.log(
      `\n## Endpoints (${real ? 'real dataset ../shared/data' : 'sample data: ../shared/data not found'}, in process, payment skipped)\n`,
    )
    console.log(`${options.samples} samples each; latency in ms (first = fresh store: loads the universe)\n`)
    console.log(
      table([
        ['endpoint', 'tier', 'first', 'cold p50', 'cold p95', 'warm p50', 'warm p95'],
        ...rows.map((r) => [
          label(r),
          r.tier,
          fmt(r.firstMs),
          fmt(percentile(r.coldMs, 50)),
          fmt(percentile(r.coldMs, 95)),
          fmt(percentile(r.warmMs, 50)),
          fmt(percentile(r.warmMs, 95)),
        ]),
      ]),
    )
    return rows
  } finally {
    ctx.close()
  }
}

const catalogTier = (p: string) => catalog.find((e) => e.path === p)?.tier ?? '?'

/** The query as typed, with a long symbol list shortened so the table stays readable. */
function label(row: EndpointBenchRow): string {
  const query = Object.entries(row.query)
    .map(([k, v]) => `${k}=${v.split(',').length > 5 ? `<${v.split(',').length} symbols>` : v}`)
    .join('&')
  return `${row.path}?${query}`
}

/** Heavier queries than the examples, measured too: whole-history windows and the whole universe at once. */
const HEAVY: Record<string, (symbols: string) => Record<string, string>[]> = {
  '/v1/correlation': () => [{ symbol: 'BTC', days: '365', limit: '100' }],
  '/v1/quantmetrics': (symbols) => [{ symbol: symbols, days: 'all' }],
  '/v1/price-prediction': (symbols) => [{ symbol: symbols }],
  '/v1/market-metrics': () => [{ limit: '100' }],
}
