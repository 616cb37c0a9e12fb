import { retryWhileBusy } from '../db/busy'
import type { Db } from '../db/client'
import { decrementCounter, getCounter, incrementWithinCap } from '../db/queries/spend'
import type { UsdMicros } from '../lib/money'

/** Caps on what optimistic settlement may have served and not yet collected; null = no cap. */
export interface ExposureCaps {
  perPayer: UsdMicros | null
  total: UsdMicros | null
}

export type ExposureDecision =
  | { ok: true }
  | { ok: false; scope: 'payer' | 'total'; capMicros: UsdMicros; usedMicros: UsdMicros }

/** Exposure has no time window: the counter's window start is one no pruning ever reaches. */
const NO_WINDOW = Number.MAX_SAFE_INTEGER
const UNCAPPED = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Unsettled USD served under optimistic settlement, per payer and in total, held in the spend counters with the same
 * conditional single-statement increments, so concurrent requests can never push either past its cap. A payment
 * takes its exposure when it is served and gives it back when it is collected (settled) or not charged (released).
 */
export class ExposureLimiter {
  constructor(
    private readonly db: Db,
    private readonly caps: ExposureCaps,
  ) {}

  private scopes(payer: string) {
    return [
      { scope: `exposure-payer:${payer.toLowerCase()}`, name: 'payer' as const, cap: this.caps.perPayer },
      { scope: 'exposure-total', name: 'total' as const, cap: this.caps.total },
    ]
  }

  async reserve(payer: string, usdMicros: UsdMicros): Promise<ExposureDecision> {
    const taken: string[] = []
    for (const { scope, name, cap } of this.scopes(payer)) {
      const limit = cap ?? UNCAPPED
      const total = await retryWhileBusy('exposure counter', () =>
        incrementWithinCap(this.db, {
          scope,
          windowStart: NO_WINDOW,
          amount: Number(usdMicros),
          cap: Number(limit),
        }),
      ).catch(async (error: unknown) => {
        await this.giveBack(taken, usdMicros).catch(() => {})
        throw error
      })
      if (total === undefined) {
        await this.giveBack(taken, usdMicros)
        return {
          ok: false,
          scope: name,
          capMicros: limit,
          usedMicros: BigInt(await getCounter(this.db, scope, NO_WINDOW)),
        }
      }
      taken.push(scope)
    }
    return { ok: true }
  }

  release(payer: string, usdMicros: UsdMicros): Promise<void> {
    return this.giveBack(
      this.scopes(payer).map((s) => s.scope),
      usdMicros,
    )
  }

  async usage(payer: string): Promise<{ payerMicros: UsdMicros; totalMicros: UsdMicros }> {
    const [mine, all] = this.scopes(payer)
    return {
      payerMicros: BigInt(await getCounter(this.db, mine!.scope, NO_WINDOW)),
      totalMicros: BigInt(await getCounter(this.db, all!.scope, NO_WINDOW)),
    }
  }

  private async giveBack(scopes: string[], usdMicros: UsdMicros): Promise<void> {
    for (const scope of scopes) {
      await retryWhileBusy('exposure release', () =>
        decrementCounter(this.db, { scope, windowStart: NO_WINDOW, amount: Number(usdMicros) }),
      )
    }
  }
}
