import { afterEach, describe, expect, it } from 'vitest'
import { createAdminKey } from '../../src/admin/key-store'
import { payments } from '../../src/db/schema'
import { createTestContext, sampleCandles } from '../helpers/context'
import { ledgerRow, TMAI_ROW } from '../helpers/ledger-rows'

/**
 * The dashboard's read endpoints on the real app over a real SQLite file. Ledger rows are written as the payment
 * core writes them, at chosen times, so every aggregate can be checked exactly. No chain is contacted.
 */
const contexts: { close(): void }[] = []
afterEach(() => {
  for (const c of contexts.splice(0)) c.close()
})

async function setup(options: { seed?: boolean; env?: Record<string, string> } = {}) {
  const ctx = await createTestContext({
    rpcUrl: 'http://127.0.0.1:9',
    seed: options.seed ?? false,
    env: options.env,
  })
  contexts.push(ctx)
  const { key } = await createAdminKey(ctx.db, { name: 'dashboard', scope: 'read' })
  const get = async (route: string, withKey = key) => {
    const res = await ctx.app.request(`http://localhost/admin${route}`, {
      headers: withKey ? { authorization: `Bearer ${withKey}` } : {},
    })
    return { status: res.status, body: (await res.json()) as Json }
  }
  return { ctx, get }
}

const at = (iso: string) => Date.parse(iso)
// biome-ignore lint/suspicious/noExplicitAny: response bodies, checked field by field by the assertions below
type Json = Record<string, any>

describe('GET /admin/stats/revenue', () => {
  it('sums settled USD per day and asset exactly, with discount and TMAI share', async () => {
    const { ctx, get } = await setup()
    await ctx.db.insert(payments).values([
      ledgerRow({ createdAt: at('2026-03-01T10:00:00Z') }),
      ledgerRow({
        createdAt: at('2026-03-01T23:59:59Z'),
        route: '/v1/correlation',
        usdPrice: '0.068',
        usdValue: '0.068',
        amount: '68000',
      }),
      ledgerRow({ createdAt: at('2026-03-02T00:00:00Z'), ...TMAI_ROW }),
      ledgerRow({ createdAt: at('2026-03-02T08:00:00Z'), ...TMAI_ROW }),
      // Not revenue.
      ledgerRow({ createdAt: at('2026-03-02T09:00:00Z'), state: 'pending' }),
      ledgerRow({
        createdAt: at('2026-03-02T09:00:00Z'),
        state: 'released',
        failureReason: 'spend_limit_exceeded',
      }),
      ledgerRow({
        createdAt: at('2026-03-02T09:00:00Z'),
        state: 'failed',
        failureReason: 'transfer_reverted',
      }),
      // Outside the range.
      ledgerRow({ createdAt: at('2026-03-03T00:00:00Z') }),
    ])
    const { status, body } = await get('/stats/revenue?from=2026-03-01&to=2026-03-02')
    expect(status).toBe(200)
    const usdc = {
      network: 'eip155:8453',
      asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
      assetSymbol: 'USDC',
      decimals: 6,
    }
    const tmai = { network: 'eip155:8453', asset: TMAI_ROW.asset, assetSymbol: 'TMAI', decimals: 18 }
    expect(body.data).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-03T00:00:00.000Z',
      days: [
        {
          day: '2026-03-01',
          assets: [{ ...usdc, payments: 2, amount: '85000', usdValue: '0.085', usdList: '0.085' }],
        },
        {
          day: '2026-03-02',
          assets: [
            { ...tmai, payments: 2, amount: '43714285714285714286', usdValue: '0.0306', usdList: '0.034' },
          ],
        },
      ],
      assets: [
        {
          ...tmai,
          payments: 2,
          amount: '43714285714285714286',
          usdValue: '0.0306',
          usdList: '0.034',
          usdDiscount: '0.0034',
          // 0.0306 / 0.1156 = 26.47…%, rounded down to basis points.
          usdShareBasisPoints: 2647,
        },
        {
          ...usdc,
          payments: 2,
          amount: '85000',
          usdValue: '0.085',
          usdList: '0.085',
          usdDiscount: '0',
          usdShareBasisPoints: 7352,
        },
      ],
      totals: { payments: 4, usdValue: '0.1156', usdList: '0.119', usdDiscount: '0.0034' },
    })
    // The same settled USD as /admin/revenue for the same range.
    const revenue = await get('/revenue?from=2026-03-01&to=2026-03-02')
    expect(revenue.body.data.totals.usdValueTotal).toBe(body.data.totals.usdValue)
  })

  it('needs an admin key and answers a bad range with 400 naming the parameter', async () => {
    const { get } = await setup()
    expect((await get('/stats/revenue', '')).status).toBe(401)
    const bad = await get('/stats/revenue?from=2026-03-05&to=2026-03-01')
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ success: false, error: 'invalid_parameter', parameter: 'to' })
    const unknown = await get('/stats/revenue?groupBy=day')
    expect(unknown.body).toMatchObject({ error: 'invalid_parameter', parameter: 'groupBy' })
  })
})

describe('GET /admin/stats/payments', () => {
  it('counts ledger rows per hour and state, empty hours included', async () => {
    const { ctx, get } = await setup()
    await ctx.db.insert(payments).values([
      ledgerRow({ createdAt: at('2026-03-01T10:05:00Z') }),
      ledgerRow({ createdAt: at('2026-03-01T10:59:59Z') }),
      ledgerRow({
        createdAt: at('2026-03-01T10:30:00Z'),
        state: 'released',
        failureReason: 'invalid_exact_evm_signature',
      }),
      ledgerRow({ createdAt: at('2026-03-01T12:00:00Z'), state: 'pending' }),
      ledgerRow({ createdAt: at('2026-03-01T13:00:00Z') }),
    ])
    const { status, body } = await get('/stats/payments?from=2026-03-01T10:00:00Z&to=2026-03-01T13:00:00Z')
    expect(status).toBe(200)
    expect(body.data.bucket).toBe('hour')
    expect(
      body.data.series.map((b: { start: string; total: number; byState: Record<string, number> }) => [
        b.start,
        b.total,
        b.byState.settled,
        b.byState.released,
        b.byState.pending,
      ]),
    ).toEqual([
      ['2026-03-01T10:00:00.000Z', 3, 2, 1, 0],
      ['2026-03-01T11:00:00.000Z', 0, 0, 0, 0],
      ['2026-03-01T12:00:00.000Z', 1, 0, 0, 1],
    ])
    const daily = await get('/stats/payments?bucket=day&from=2026-03-01&to=2026-03-01')
    expect(daily.body.data.series).toEqual([
      expect.objectContaining({ start: '2026-03-01T00:00:00.000Z', total: 5 }),
    ])
  })

  it('refuses ranges too wide for the bucket and unknown buckets', async () => {
    const { get } = await setup()
    const wide = await get('/stats/payments?bucket=hour&from=2025-01-01&to=2026-01-01')
    expect(wide.status).toBe(400)
    expect(wide.body).toMatchObject({ error: 'invalid_parameter', parameter: 'from' })
    expect(wide.body.message).toMatch(/at most 1488 hour buckets/)
    expect((await get('/stats/payments?bucket=minute')).body).toMatchObject({ parameter: 'bucket' })
  })
})

describe('refusals', () => {
  it('/stats/refusals counts released payments by reason; /refusals lists one reason, paged', async () => {
    const { ctx, get } = await setup()
    const released = (reason: string, minute: number) =>
      ledgerRow({
        state: 'released',
        failureReason: reason,
        createdAt: at('2026-03-01T10:00:00Z') + minute * 60_000,
        payer: `0x${String(minute).padStart(40, '0')}`,
      })
    await ctx.db
      .insert(payments)
      .values([
        released('spend_limit_exceeded', 1),
        released('spend_limit_exceeded', 2),
        released('spend_limit_exceeded', 3),
        released('invalid_exact_evm_signature', 4),
        released('handler_status_404', 5),
        released('handler_status_404', 6),
        ledgerRow({ state: 'failed', failureReason: 'spend_limit_exceeded' }),
      ])
    const stats = await get('/stats/refusals')
    expect(stats.body.data).toEqual({
      from: null,
      to: null,
      total: 6,
      reasons: [
        { reason: 'spend_limit_exceeded', payments: 3 },
        { reason: 'handler_status_404', payments: 2 },
        { reason: 'invalid_exact_evm_signature', payments: 1 },
      ],
    })
    const first = await get('/refusals?reason=spend_limit_exceeded&limit=2')
    expect(first.body.data.map((r: { payer: string }) => r.payer.slice(-1))).toEqual(['3', '2'])
    expect(first.body.data[0]).not.toHaveProperty('payload')
    const second = await get(`/refusals?reason=spend_limit_exceeded&limit=2&cursor=${first.body.nextCursor}`)
    expect(second.body).toMatchObject({ length: 1, nextCursor: null })
    expect(second.body.data[0]).toMatchObject({ state: 'released', failureReason: 'spend_limit_exceeded' })
    expect((await get('/refusals?reason=DROP TABLE')).body).toMatchObject({ parameter: 'reason' })
  })
})

describe('GET /admin/market-data', () => {
  it('reports each interval with its newest candle, age, size and whether it is stale', async () => {
    const { get } = await setup({ seed: true })
    const { body } = await get('/market-data')
    expect(body.data).toMatchObject({ source: 'csv', maxAgeSeconds: 48 * 3600 })
    const [daily, hourly] = body.data.intervals
    expect(daily).toMatchObject({
      interval: '1d',
      newest: '2026-03-18',
      newestClose: '2026-03-19T00:00:00.000Z',
      symbols: 3,
      candles: 3 * 60,
      stale: true,
    })
    expect(daily.ageSeconds).toBeGreaterThan(0)
    expect(hourly).toMatchObject({ interval: '1h', newest: null, ageSeconds: null, stale: null, candles: 0 })
  })

  it('is fresh with data ending today', async () => {
    const { ctx, get } = await setup()
    await ctx.services.market.saveCandles(
      '1d',
      sampleCandles(['BTC'], 3, new Date().toISOString().slice(0, 10)),
      'csv',
    )
    const { body } = await get('/market-data')
    expect(body.data.intervals[0]).toMatchObject({ interval: '1d', symbols: 1, stale: false, ageSeconds: 0 })
  })
})
