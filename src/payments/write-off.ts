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
  limiter: Pick<SpendLimiter, 'releasePayment'>
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
  const amount = usdMicros(payment.usdValue)
  await deps.exposure?.release(payment.payer, amount)
  if (payment.spendAt !== null) {
    await deps.limiter.releasePayment({
      payer: payment.payer,
      route: payment.route,
      usdMicros: amount,
      atSeconds: payment.spendAt,
    })
  }
  return { ok: true, payment }
}
