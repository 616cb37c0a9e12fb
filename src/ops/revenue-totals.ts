import type { Db } from '../db/client'
import { type AssetSum, oldestOpenPaymentCreatedAt, sumPaymentsByAsset } from '../db/queries/ops'

/**
 * A payment created this long ago whose outcome was already final is taken to stay final (a write lands within
 * this margin of the timestamp it carries).
 */
const SETTLED_MARGIN_MS = 60_000

const keyOf = (sum: AssetSum) => `${sum.network}|${sum.asset}`

function add(into: Map<string, AssetSum>, sums: AssetSum[]): void {
  for (const sum of sums) {
    const total = into.get(keyOf(sum))
    if (!total) into.set(keyOf(sum), { ...sum })
    else {
      total.payments += sum.payments
      total.atomic += sum.atomic
      total.usdValueMicros += sum.usdValueMicros
      total.usdListMicros += sum.usdListMicros
    }
  }
}

/**
 * Settled revenue per asset, exact, without summing the whole ledger on every scrape. Rows created before the
 * oldest still-open payment (and before the margin) can no longer change, so their sums are folded once, window by
 * window along the created_at index; each scrape sums only what is newer.
 */
export class SettledRevenueTotals {
  private readonly folded = new Map<string, AssetSum>()
  private foldedUntil: number | undefined

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async totals(): Promise<AssetSum[]> {
    const open = await oldestOpenPaymentCreatedAt(this.db)
    const horizon = Math.min(this.now() - SETTLED_MARGIN_MS, open ?? Number.POSITIVE_INFINITY)
    if (this.foldedUntil === undefined || horizon > this.foldedUntil) {
      add(
        this.folded,
        await sumPaymentsByAsset(this.db, { states: ['settled'], from: this.foldedUntil, to: horizon }),
      )
      this.foldedUntil = horizon
    }
    const totals = new Map<string, AssetSum>()
    add(totals, [...this.folded.values()])
    add(totals, await sumPaymentsByAsset(this.db, { states: ['settled'], from: this.foldedUntil }))
    return [...totals.values()]
  }
}
