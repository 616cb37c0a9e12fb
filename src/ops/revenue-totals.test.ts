import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { ledgerRow, TMAI_ROW } from '../../test/helpers/ledger-rows'
import { openSqliteDb } from '../db/client'
import { payments } from '../db/schema'
import { SettledRevenueTotals } from './revenue-totals'

const handles: { close(): void }[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.close()
})

describe('SettledRevenueTotals', () => {
  it('equals the full sum, counts a payment settled late once, and does not re-read folded history', async () => {
    const handle = openSqliteDb(':memory:')
    handles.push(handle)
    const { db } = handle
    const clock = { now: Date.parse('2026-03-10T12:00:00Z') }
    const hoursAgo = (h: number) => clock.now - h * 3_600_000
    const late = ledgerRow({ createdAt: hoursAgo(5), state: 'pending' })
    await db
      .insert(payments)
      .values([
        ledgerRow({ createdAt: hoursAgo(10) }),
        ledgerRow({ createdAt: hoursAgo(9), ...TMAI_ROW }),
        late,
        ledgerRow({ createdAt: hoursAgo(1) }),
        ledgerRow({ createdAt: clock.now - 1000 }),
      ])
    const totals = new SettledRevenueTotals(db, () => clock.now)
    const usdc = async () => (await totals.totals()).find((t) => t.assetSymbol === 'USDC')
    expect(await usdc()).toMatchObject({ payments: 3, atomic: 51_000n, usdValueMicros: 51_000n })
    expect((await totals.totals()).find((t) => t.assetSymbol === 'TMAI')).toMatchObject({
      payments: 1,
      atomic: 21857142857142857143n,
      usdValueMicros: 15_300n,
      usdListMicros: 17_000n,
    })

    // The pending payment held the fold back to its creation; once the reconciler settles it, it counts.
    await db.update(payments).set({ state: 'settled', settledAt: clock.now }).where(eq(payments.id, late.id))
    clock.now += 120_000
    expect(await usdc()).toMatchObject({ payments: 4, atomic: 68_000n })

    // Everything up to the margin is folded now: history is summed once, not on every scrape (a row that
    // appeared in it afterwards, which the ledger never does, is not seen).
    await db.insert(payments).values(ledgerRow({ createdAt: hoursAgo(8) }))
    expect(await usdc()).toMatchObject({ payments: 4, atomic: 68_000n })
    await db.insert(payments).values(ledgerRow({ createdAt: clock.now }))
    expect(await usdc()).toMatchObject({ payments: 5, atomic: 85_000n })
  })
})
