import { afterEach, describe, expect, it } from 'vitest'
import { ledgerRow, TMAI_ROW } from '../../../test/helpers/ledger-rows'
import { openSqliteDb } from '../client'
import { payments } from '../schema'
import { countPaymentsPerBucket, countReleasedByReason, sumPaymentsByAsset } from './ops'

const handles: { close(): void }[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.close()
})
function database() {
  const handle = openSqliteDb(':memory:')
  handles.push(handle)
  return handle.db
}
const at = (iso: string) => Date.parse(iso)

describe('sumPaymentsByAsset', () => {
  it('sums atomic amounts exactly past 2^53 and 2^64, whatever their length', async () => {
    const db = database()
    const huge = '1234567890123456789012345' // 1.2 million TMAI in atomic units: a 25-digit integer
    await db
      .insert(payments)
      .values([
        ...Array.from({ length: 10 }, () => ledgerRow({ ...TMAI_ROW, amount: huge })),
        ledgerRow({ ...TMAI_ROW }),
        ledgerRow({ ...TMAI_ROW, amount: '1' }),
        ledgerRow({ ...TMAI_ROW, amount: '999999999' }),
        ledgerRow({ ...TMAI_ROW, amount: '1000000000' }),
      ])
    const [tmai] = await sumPaymentsByAsset(db, { states: ['settled'] })
    const expected = 10n * BigInt(huge) + 21857142857142857143n + 1n + 999_999_999n + 1_000_000_000n
    expect(tmai).toMatchObject({ assetSymbol: 'TMAI', payments: 14, atomic: expected })
  })

  it('turns ledger USD strings into integer micro-dollars, and filters by state, range and day', async () => {
    const db = database()
    await db
      .insert(payments)
      .values([
        ledgerRow({ createdAt: at('2026-03-01T10:00:00Z'), usdValue: '0.0153', usdPrice: '0.017' }),
        ledgerRow({ createdAt: at('2026-03-01T23:59:59Z'), usdValue: '12', usdPrice: '12' }),
        ledgerRow({ createdAt: at('2026-03-02T00:00:00Z'), usdValue: '0.000001', usdPrice: '1.5' }),
        ledgerRow({ createdAt: at('2026-03-02T01:00:00Z'), state: 'pending', usdValue: '0.5' }),
        ledgerRow({ createdAt: at('2026-03-02T02:00:00Z'), state: 'settling', usdValue: '0.25' }),
        ledgerRow({ createdAt: at('2026-03-03T00:00:00Z') }),
      ])
    const [all] = await sumPaymentsByAsset(db, { states: ['settled'], to: at('2026-03-03T00:00:00Z') })
    expect(all).toMatchObject({
      payments: 3,
      usdValueMicros: 12_015_301n,
      usdListMicros: 13_517_000n,
      day: null,
    })
    const days = await sumPaymentsByAsset(db, {
      states: ['settled'],
      from: at('2026-03-01T00:00:00Z'),
      byDay: true,
    })
    expect(days.map((d) => [d.day, d.payments, d.usdValueMicros])).toEqual([
      ['2026-03-01', 2, 12_015_300n],
      ['2026-03-02', 1, 1n],
      ['2026-03-03', 1, 17_000n],
    ])
    const [unsettled] = await sumPaymentsByAsset(db, { states: ['settling', 'pending'] })
    expect(unsettled).toMatchObject({ payments: 2, usdValueMicros: 750_000n, atomic: 34_000n })
    expect(await sumPaymentsByAsset(db, { states: ['failed'] })).toEqual([])
  })
})

describe('counts', () => {
  it('buckets by hour on integer boundaries and groups releases by reason', async () => {
    const db = database()
    await db.insert(payments).values([
      ledgerRow({ createdAt: at('2026-03-01T10:59:59.999Z') }),
      ledgerRow({ createdAt: at('2026-03-01T11:00:00.000Z') }),
      ledgerRow({
        createdAt: at('2026-03-01T11:30:00Z'),
        state: 'released',
        failureReason: 'spend_limit_exceeded',
      }),
      ledgerRow({ createdAt: at('2026-03-01T11:31:00Z'), state: 'released', failureReason: null }),
    ])
    const buckets = await countPaymentsPerBucket(db, {
      from: at('2026-03-01T00:00:00Z'),
      to: at('2026-03-02T00:00:00Z'),
      bucket: 'hour',
    })
    expect(buckets).toEqual([
      { start: at('2026-03-01T10:00:00Z'), state: 'settled', payments: 1 },
      { start: at('2026-03-01T11:00:00Z'), state: 'released', payments: 2 },
      { start: at('2026-03-01T11:00:00Z'), state: 'settled', payments: 1 },
    ])
    expect(await countReleasedByReason(db, {})).toEqual([
      { reason: 'spend_limit_exceeded', payments: 1 },
      { reason: 'unknown', payments: 1 },
    ])
  })
})
