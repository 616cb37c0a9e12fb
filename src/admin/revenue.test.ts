import { describe, expect, it } from 'vitest'
import { DecimalSum, RevenueAggregator, type RevenueRow } from './revenue'

const row = (overrides: Partial<RevenueRow>): RevenueRow => ({
  createdAt: Date.parse('2026-03-01T12:00:00Z'),
  route: '/v1/daily-ohlcv',
  network: 'eip155:8453',
  asset: '0xusdc',
  assetSymbol: 'USDC',
  amount: '17000',
  usdPrice: '0.017',
  usdValue: '0.017',
  ...overrides,
})

describe('DecimalSum', () => {
  it.each([
    [['0.1', '0.2'], '0.3'],
    [['0.017', '0.0153', '1'], '1.0323'],
    [['0', '0.000'], '0'],
    [['12345678901234567890.1', '0.000000000000000001'], '12345678901234567890.100000000000000001'],
  ])('sums %j exactly to %s', (values, expected) => {
    const sum = new DecimalSum()
    for (const v of values) sum.add(v)
    expect(sum.toString()).toBe(expected)
  })
})

describe('RevenueAggregator', () => {
  it('sums atomic amounts per asset as bigint, beyond 2^53 and 2^64', () => {
    const revenue = new RevenueAggregator('token')
    revenue.add(row({ amount: '9007199254740993' }))
    revenue.add(row({ amount: '9007199254740993' }))
    revenue.add(
      row({ asset: '0xtmai', assetSymbol: 'TMAI', amount: '21857142857142857143', usdValue: '0.0153' }),
    )
    revenue.add(
      row({ asset: '0xtmai', assetSymbol: 'TMAI', amount: '21857142857142857143', usdValue: '0.0153' }),
    )
    const { groups, totals } = revenue.result()
    expect(groups.map((g) => [g.key, g.amounts[0]?.amount])).toEqual([
      ['0xtmai', '43714285714285714286'],
      ['0xusdc', '18014398509481986'],
    ])
    expect(totals).toMatchObject({ payments: 4, usdListTotal: '0.068', usdValueTotal: '0.0646' })
  })

  it('groups by UTC day', () => {
    const revenue = new RevenueAggregator('day')
    revenue.add(row({ createdAt: Date.parse('2026-03-01T23:59:59.999Z') }))
    revenue.add(row({ createdAt: Date.parse('2026-03-02T00:00:00Z') }))
    expect(revenue.result().groups.map((g) => [g.key, g.payments])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 1],
    ])
  })

  it('refuses a ledger amount that is not an integer string', () => {
    expect(() => new RevenueAggregator('endpoint').add(row({ amount: '1.5' }))).toThrow(/integer string/)
  })
})
