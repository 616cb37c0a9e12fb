import { formatAtomic, parseDecimal } from '../lib/money'
import type { RevenueGroup } from './params'

export interface RevenueRow {
  createdAt: number
  route: string
  network: string
  asset: string
  assetSymbol: string
  /** Atomic units, integer string (18-decimal amounts pass 2^53 and 2^63). */
  amount: string
  /** Decimal strings. */
  usdPrice: string
  usdValue: string
}

export interface AssetAmount {
  network: string
  asset: string
  assetSymbol: string
  amount: string
}

export interface RevenueTotal {
  payments: number
  /** Per asset: token amounts of different assets never add up. */
  amounts: AssetAmount[]
  /** Sum of list prices. */
  usdListTotal: string
  /** Sum of values after discounts (what TMAI payments were worth). */
  usdValueTotal: string
}

/** An exact running sum of decimal strings: a bigint at the largest scale seen so far. */
export class DecimalSum {
  private value = 0n
  private scale = 0

  add(decimal: string): void {
    const { numerator, denominator } = parseDecimal(decimal)
    const digits = denominator.toString().length - 1
    if (digits > this.scale) {
      this.value *= 10n ** BigInt(digits - this.scale)
      this.scale = digits
    }
    this.value += numerator * 10n ** BigInt(this.scale - digits)
  }

  toString(): string {
    return formatAtomic(this.value, this.scale)
  }
}

class Bucket {
  payments = 0
  readonly amounts = new Map<
    string,
    { network: string; asset: string; assetSymbol: string; atomic: bigint }
  >()
  readonly usdList = new DecimalSum()
  readonly usdValue = new DecimalSum()

  add(row: RevenueRow): void {
    if (!/^\d+$/.test(row.amount)) throw new Error(`ledger amount is not an integer string: ${row.amount}`)
    this.payments++
    const id = `${row.network}|${row.asset}`
    const entry = this.amounts.get(id) ?? {
      network: row.network,
      asset: row.asset,
      assetSymbol: row.assetSymbol,
      atomic: 0n,
    }
    entry.atomic += BigInt(row.amount)
    this.amounts.set(id, entry)
    this.usdList.add(row.usdPrice)
    this.usdValue.add(row.usdValue)
  }

  total(): RevenueTotal {
    return {
      payments: this.payments,
      amounts: [...this.amounts.values()]
        .sort((a, b) => a.assetSymbol.localeCompare(b.assetSymbol) || a.asset.localeCompare(b.asset))
        .map(({ atomic, ...asset }) => ({ ...asset, amount: atomic.toString() })),
      usdListTotal: this.usdList.toString(),
      usdValueTotal: this.usdValue.toString(),
    }
  }
}

const groupKey: Record<RevenueGroup, (row: RevenueRow) => string> = {
  endpoint: (row) => row.route,
  token: (row) => row.asset,
  day: (row) => new Date(row.createdAt).toISOString().slice(0, 10),
}

/** Sums settled payments per group and overall, exactly (bigint for token amounts and USD). */
export class RevenueAggregator {
  private readonly groups = new Map<string, Bucket>()
  private readonly all = new Bucket()

  constructor(private readonly groupBy: RevenueGroup) {}

  add(row: RevenueRow): void {
    const key = groupKey[this.groupBy](row)
    const bucket = this.groups.get(key) ?? new Bucket()
    bucket.add(row)
    this.groups.set(key, bucket)
    this.all.add(row)
  }

  result(): { groups: (RevenueTotal & { key: string })[]; totals: RevenueTotal } {
    return {
      groups: [...this.groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, bucket]) => ({ key, ...bucket.total() })),
      totals: this.all.total(),
    }
  }
}
