import type { Payment, PaymentState } from '../db/schema'
import { usdMicros } from '../lib/money'
import type { ExposureLimiter } from './exposure'
import type { Ledger } from './ledger'
import type { SpendLimiter } from './spend-limits'

export type WriteOffResult =
  | { ok: true; payment: Payment }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_unpaid'; state: PaymentState }

export interface WriteOffDeps {
  ledger: Pick<Ledger, 'writeOff' | 'get'>
  limiter: Pick<SpendLimiter, 'releaseHeldBy'>
  exposure?: Pick<ExposureLimiter, 'release'>
}

/**
 * The operator forgives an `unpaid` optimistic payment (served, its settlement failed, and its authorization expired
 * or the payer's funds are gone): the row becomes `failed` with reason `written_off`, so the payer is no longer
 * refused, and what it held is given back — its optimistic exposure and its spend against the payer's limits (it was
 * never charged). One conditional transition: a payment the reconciler collects meanwhile stays settled.
 */
export async function writeOffUnpaid(deps: WriteOffDeps, id: string): Promise<WriteOffResult> {
  const payment = await deps.ledger.writeOff(id)
  if (!payment) {
    const row = await deps.ledger.get(id)
    return row ? { ok: false, reason: 'not_unpaid', state: row.state } : { ok: false, reason: 'not_found' }
  }
  await deps.exposure?.release(payment.payer, usdMicros(payment.usdValue))
  await deps.limiter.releaseHeldBy(payment)
  return { ok: true, payment }
}
