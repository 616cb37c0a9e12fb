import type { Hono } from 'hono'
import { NETWORKS } from '../config/networks'
import type { Db } from '../db/client'
import { searchPayments } from '../db/queries/admin'
import { getMeta } from '../db/queries/market-data'
import {
  type AssetSum,
  countPaymentsPerBucket,
  countReleasedByReason,
  sumPaymentsByAsset,
} from '../db/queries/ops'
import { PAYMENT_STATES, type PaymentState } from '../db/schema'
import { formatAtomic } from '../lib/money'
import { marketDataFreshness } from '../market-data/freshness'
import type { AdminEnv } from './auth'
import { RefusalsQuery, StatsPaymentsQuery, StatsRefusalsQuery, StatsRevenueQuery } from './ops-params'
import { encodeCursor, parseInput } from './params'

export interface OpsAdminDeps {
  db: Db
  now: () => number
  /** READY_MAX_DATA_AGE_HOURS in seconds (0: no limit), to flag stale intervals the way /ready does. */
  maxDataAgeSeconds: number
}

const usd = (micros: bigint) => formatAtomic(micros, 6)
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/** The configured decimals of a ledger asset (the ledger keeps only atomic amounts); null if unknown. */
function decimalsOf(network: string, asset: string): number | null {
  for (const config of Object.values(NETWORKS)) {
    if (config.caip2 !== network) continue
    const match = [config.usdc, config.tmai].find((a) => a?.address.toLowerCase() === asset.toLowerCase())
    if (match) return match.decimals
  }
  return null
}

const describeAsset = (t: AssetSum) => ({
  network: t.network,
  asset: t.asset,
  assetSymbol: t.assetSymbol,
  decimals: decimalsOf(t.network, t.asset),
  payments: t.payments,
  amount: t.atomic.toString(),
  usdValue: usd(t.usdValueMicros),
  usdList: usd(t.usdListMicros),
})

/**
 * Read endpoints behind the dashboard (mounted on the admin router, so behind its keys, rate limits and audit):
 * revenue per day and asset in USD, payments per bucket and state, released payments by reason and as a list,
 * market-data freshness. Money is summed exactly (bigint micro-dollars), never as floats.
 */
export function registerOpsAdminRoutes(router: Hono<AdminEnv>, deps: OpsAdminDeps): void {
  const { db } = deps

  router.get('/stats/revenue', async (c) => {
    const q = parseInput(StatsRevenueQuery, c.req.query())
    const range = { from: q.from, to: q.to, states: ['settled'] as const }
    const [perDay, all] = await Promise.all([
      sumPaymentsByAsset(db, { ...range, byDay: true }),
      sumPaymentsByAsset(db, range),
    ])
    const days = new Map<string, AssetSum[]>()
    for (const row of perDay) days.set(row.day!, [...(days.get(row.day!) ?? []), row])
    const value = all.reduce((sum, a) => sum + a.usdValueMicros, 0n)
    const list = all.reduce((sum, a) => sum + a.usdListMicros, 0n)
    return c.json({
      success: true,
      message: 'settled payments only; USD per asset after discounts; shares in basis points of USD value',
      data: {
        from: iso(q.from),
        to: iso(q.to),
        days: [...days.entries()].map(([day, assets]) => ({ day, assets: assets.map(describeAsset) })),
        assets: all.map((a) => ({
          ...describeAsset(a),
          usdDiscount: usd(a.usdListMicros - a.usdValueMicros),
          usdShareBasisPoints: value === 0n ? 0 : Number((a.usdValueMicros * 10_000n) / value),
        })),
        totals: {
          payments: all.reduce((n, a) => n + a.payments, 0),
          usdValue: usd(value),
          usdList: usd(list),
          usdDiscount: usd(list - value),
        },
      },
    })
  })

  router.get('/stats/payments', async (c) => {
    const q = parseInput(StatsPaymentsQuery, c.req.query())
    const rows = await countPaymentsPerBucket(db, { from: q.from, to: q.to, bucket: q.bucket })
    const counts = new Map<number, Partial<Record<PaymentState, number>>>()
    for (const row of rows) {
      const bucket = counts.get(row.start) ?? {}
      bucket[row.state] = row.payments
      counts.set(row.start, bucket)
    }
    const series = []
    for (let start = q.from; start < q.to; start += q.size) {
      const found = counts.get(start) ?? {}
      const byState = Object.fromEntries(PAYMENT_STATES.map((s) => [s, found[s] ?? 0])) as Record<
        PaymentState,
        number
      >
      series.push({
        start: new Date(start).toISOString(),
        total: Object.values(byState).reduce((a, b) => a + b, 0),
        byState,
      })
    }
    return c.json({
      success: true,
      message: 'ledger rows created per bucket (UTC), by state',
      data: { bucket: q.bucket, from: iso(q.from), to: iso(q.to), states: PAYMENT_STATES, series },
    })
  })

  router.get('/stats/refusals', async (c) => {
    const q = parseInput(StatsRefusalsQuery, c.req.query())
    const reasons = await countReleasedByReason(db, q)
    return c.json({
      success: true,
      message:
        'payments reserved and then not charged, by recorded reason (402s refused before a reservation are in /metrics)',
      data: {
        from: iso(q.from),
        to: iso(q.to),
        total: reasons.reduce((n, r) => n + r.payments, 0),
        reasons,
      },
    })
  })

  router.get('/refusals', async (c) => {
    const q = parseInput(RefusalsQuery, c.req.query())
    const { rows, next } = await searchPayments(db, {
      states: ['released'],
      failureReason: q.reason,
      from: q.from,
      to: q.to,
      limit: q.limit,
      after: q.cursor,
    })
    return c.json({
      success: true,
      message: 'released (not charged) payments, newest first',
      length: rows.length,
      data: rows,
      nextCursor: next ? encodeCursor(next) : null,
    })
  })

  router.get('/market-data', async (c) => {
    const now = deps.now()
    const intervals = await marketDataFreshness(db, now)
    const limit = deps.maxDataAgeSeconds
    return c.json({
      success: true,
      message: 'age: seconds since the newest candle of each interval closed',
      data: {
        asOf: new Date(now).toISOString(),
        source: (await getMeta(db, 'data_source')) ?? null,
        maxAgeSeconds: limit === 0 ? null : limit,
        intervals: intervals.map((i) => ({
          ...i,
          stale: i.ageSeconds === null ? null : limit > 0 && i.ageSeconds > limit,
        })),
      },
    })
  })
}
