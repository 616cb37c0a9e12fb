import type { Db } from '../db/client'
import { listSettledSince, type MoneyRow, type SettledPosition } from '../db/queries/ops'
import { parseDecimal } from '../lib/money'

export interface AssetTotal {
  network: string
  asset: string
  assetSymbol: string
  payments: number
  atomic: bigint
  /** What the payments were worth (after discounts), integer micro-dollars. */
  usdValueMicros: bigint
  /** Their list prices, integer micro-dollars. */
  usdListMicros: bigint
}

const PAGE = 500
/**
 * Rows settled longer ago than this are folded into the running totals for good. Younger ones are re-read on every
 * scrape, so a row committed a moment late with an earlier timestamp is still counted.
 */
const SETTLED_FOR_GOOD_MS = 60_000

/** Integer micro-dollars of a decimal USD string (the ledger writes at most 6 decimals). */
export function usdMicros(decimal: string): bigint {
  const { numerator, denominator } = parseDecimal(decimal)
  return (numerator * 1_000_000n) / denominator
}

/** Adds one row to its asset's running total (keyed by network and asset). */
export function addToTotals(totals: Map<string, AssetTotal>, row: MoneyRow): void {
  const key = `${row.network}|${row.asset}`
  const total = totals.get(key) ?? {
    network: row.network,
    asset: row.asset,
    assetSymbol: row.assetSymbol,
    payments: 0,
    atomic: 0n,
    usdValueMicros: 0n,
    usdListMicros: 0n,
  }
  total.payments++
  total.atomic += BigInt(row.amount)
  total.usdValueMicros += usdMicros(row.usdValue)
  total.usdListMicros += usdMicros(row.usdPrice)
  totals.set(key, total)
}

/** Sums amounts per asset, exactly. */
export function sumPerAsset(rows: Iterable<MoneyRow>): AssetTotal[] {
  const totals = new Map<string, AssetTotal>()
  for (const row of rows) addToTotals(totals, row)
  return [...totals.values()]
}

/**
 * Settled revenue per asset, exact, without re-reading the whole ledger on every scrape: settled is a final state,
 * so rows settled for good are summed once and only newer rows are read again.
 */
export class SettledRevenueTally {
  private readonly settled = new Map<string, AssetTotal>()
  private position: SettledPosition | undefined

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async totals(): Promise<AssetTotal[]> {
    const horizon = this.now() - SETTLED_FOR_GOOD_MS
    const recent = new Map<string, AssetTotal>()
    let after = this.position
    let folding = true
    for (;;) {
      const page = await listSettledSince(this.db, after, PAGE)
      for (const row of page) {
        folding &&= row.settledAt < horizon
        if (folding) {
          addToTotals(this.settled, row)
          this.position = { settledAt: row.settledAt, id: row.id }
        } else addToTotals(recent, row)
      }
      const last = page.at(-1)
      if (!last || page.length < PAGE) break
      after = { settledAt: last.settledAt, id: last.id }
    }
    const merged = new Map<string, AssetTotal>()
    for (const source of [this.settled, recent]) {
      for (const [key, total] of source) {
        const into = merged.get(key)
        if (!into) merged.set(key, { ...total })
        else {
          into.payments += total.payments
          into.atomic += total.atomic
          into.usdValueMicros += total.usdValueMicros
          into.usdListMicros += total.usdListMicros
        }
      }
    }
    return [...merged.values()]
  }
}
