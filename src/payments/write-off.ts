import type { Payment, PaymentState } from '../db/schema'
import { usdMicros } from '../lib/money'
import type { ExposureLimiter } from './exposure'
import type { Ledger } from './ledger'
import type { SpendLimiter } from './spend-limits'

export type WriteOffResult =
  | { ok: true; payment: Payment }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_unpaid'; state: PaymentState }
  /** Its authorization can still be used on chain (by the reconciler, or by anyone holding it): not yet. */
  | { ok: false; reason: 'still_collectable'; collectableUntil: number }

export interface WriteOffDeps {
  ledger: Pick<Ledger, 'writeOff' | 'get'>
  limiter: Pick<SpendLimiter, 'releaseHeldBy'>
  exposure?: Pick<ExposureLimiter, 'release'>
  nowSeconds: () => number
  /** How far the chain's clock may trail ours (CLOCK_SKEW_SECONDS): an authorization counts as usable that much longer. */
  clockSkewSeconds: number
}

/**
 * The operator forgives an `unpaid` optimistic payment (served, its settlement failed, and it can no longer be
 * collected): the row becomes `failed` with reason `written_off`, so the payer is no longer refused, and what it held
 * is given back — its optimistic exposure and its spend against the payer's limits (it was never charged). Only once
 * its authorization has expired: until then the reconciler (or anyone holding it) may still move the money, and a
 * written-off row would then hide a payment that happened. The transition itself is conditional on `unpaid`.
 */
export async function writeOffUnpaid(deps: WriteOffDeps, id: string): Promise<WriteOffResult> {
  const row = await deps.ledger.get(id)
  if (!row) return { ok: false, reason: 'not_found' }
  if (row.state !== 'unpaid') return { ok: false, reason: 'not_unpaid', state: row.state }
  const collectableUntil = row.validBefore + deps.clockSkewSeconds
  if (deps.nowSeconds() <= collectableUntil)
    return { ok: false, reason: 'still_collectable', collectableUntil }
  const payment = await deps.ledger.writeOff(id)
  if (!payment) {
    // Moved by someone else in between (the reconciler found it settled).
    const now = await deps.ledger.get(id)
    return { ok: false, reason: 'not_unpaid', state: now?.state ?? row.state }
  }
  await deps.exposure?.release(payment.payer, usdMicros(payment.usdValue))
  await deps.limiter.releaseHeldBy(payment)
  return { ok: true, payment }
}
