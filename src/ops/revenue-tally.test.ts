import { afterEach, describe, expect, it } from 'vitest'
import { ledgerRow, TMAI_ROW } from '../../test/helpers/ledger-rows'
import { openSqliteDb } from '../db/client'
import { type NewPayment, payments } from '../db/schema'
import { SettledRevenueTally, usdMicros } from './revenue-tally'

const handles: { close(): void }[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.close()
})

const row = (overrides: Partial<NewPayment>) => ledgerRow({ ...TMAI_ROW, ...overrides })

describe('SettledRevenueTally', () => {
  it('sums settled rows per asset exactly, past 2^64, and ignores every other state', async () => {
    const { db, close } = openSqliteDb(':memory:')
    handles.push({ close })
    await db
      .insert(payments)
      .values([
        row({ settledAt: 1000 }),
        row({ settledAt: 2000 }),
        row({ settledAt: 3000, state: 'pending' }),
        row({ settledAt: 3000, state: 'released' }),
      ])
    const tally = new SettledRevenueTally(db, () => 10_000_000)
    const [tmai] = await tally.totals()
    expect(tmai).toMatchObject({
      assetSymbol: 'TMAI',
      payments: 2,
      atomic: 43714285714285714286n,
      usdValueMicros: 30_600n,
      usdListMicros: 34_000n,
    })
  })

  it('reads only newer rows on later scrapes, and counts a late row with an earlier timestamp once', async () => {
    const { db, close } = openSqliteDb(':memory:')
    handles.push({ close })
    const clock = { now: 1_000_000 }
    const tally = new SettledRevenueTally(db, () => clock.now)
    const usdc = {
      assetSymbol: 'USDC',
      asset: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913',
      usdValue: '0.017',
    }
    await db
      .insert(payments)
      .values([
        row({ ...usdc, amount: '17000', settledAt: 100_000 }),
        row({ ...usdc, amount: '17000', settledAt: clock.now - 1000 }),
      ])
    expect((await tally.totals())[0]?.atomic).toBe(34_000n)
    // A settlement that committed late, stamped before the last scrape's newest row: still inside the re-read window.
    await db.insert(payments).values(row({ ...usdc, amount: '34000', settledAt: clock.now - 2000 }))
    clock.now += 120_000
    expect((await tally.totals())[0]).toMatchObject({ atomic: 68_000n, payments: 3 })
    // Everything is now folded for good; asking again changes nothing.
    expect((await tally.totals())[0]).toMatchObject({ atomic: 68_000n, payments: 3 })
    await db.insert(payments).values(row({ ...usdc, amount: '1', settledAt: clock.now }))
    expect((await tally.totals())[0]).toMatchObject({ atomic: 68_001n, payments: 4 })
  })

  it('converts ledger USD strings to integer micro-dollars', () => {
    expect(usdMicros('0.0153')).toBe(15_300n)
    expect(usdMicros('12')).toBe(12_000_000n)
    expect(usdMicros('0.000001')).toBe(1n)
  })
})
