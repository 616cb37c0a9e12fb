import type { PaymentMetrics } from '../lib/metrics'
import { Reason } from '../x402/reasons'
import type { PaidEvent } from './context'

/** Refusals that happened after the payment was reserved but say nothing against it: it was released, not refused. */
const RELEASED_REASONS = new Set<string>([Reason.verificationUnavailable, Reason.paymentAbandoned])

const seconds = (ms: number) => ms / 1000

/**
 * The payment core's events as metrics: every 402 that carried requirements, one outcome per paid request that
 * reached a decision, and the verify / handler / settle durations. Labels stay bounded (route patterns, token symbols,
 * reason codes); payers never appear.
 */
export function paidEventsToMetrics(metrics: PaymentMetrics): (event: PaidEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'challenge':
        metrics.recordChallenge({ route: event.route, reason: Reason.paymentRequired })
        return
      case 'refused':
        if (event.challenged) metrics.recordChallenge({ route: event.route, reason: event.reason })
        metrics.recordPaymentOutcome({
          outcome: RELEASED_REASONS.has(event.reason) ? 'released' : 'refused',
          asset: event.asset ?? 'none',
          reason: event.reason,
        })
        return
      case 'verification':
        metrics.observeVerifySeconds({ asset: event.asset, seconds: seconds(event.ms) })
        return
      case 'settled':
        metrics.recordPaymentOutcome({ outcome: 'settled', asset: event.asset })
        metrics.observeHandlerSeconds({ route: event.route, seconds: seconds(event.handlerMs) })
        metrics.observeSettleSeconds({
          asset: event.asset,
          outcome: 'settled',
          seconds: seconds(event.settleMs),
        })
        return
      case 'released':
        metrics.recordPaymentOutcome({ outcome: 'released', asset: event.asset, reason: event.reason })
        metrics.observeHandlerSeconds({ route: event.route, seconds: seconds(event.handlerMs) })
        return
      case 'pending':
        metrics.recordPaymentOutcome({
          outcome: 'pending',
          asset: event.asset,
          reason: Reason.settlementPending,
        })
        metrics.observeSettleSeconds({
          asset: event.asset,
          outcome: 'pending',
          seconds: seconds(event.settleMs),
        })
        return
      case 'failed':
        if (event.challenged) metrics.recordChallenge({ route: event.route, reason: event.reason })
        metrics.recordPaymentOutcome({ outcome: 'failed', asset: event.asset, reason: event.reason })
        metrics.observeSettleSeconds({
          asset: event.asset,
          outcome: 'failed',
          seconds: seconds(event.settleMs),
        })
        return
      case 'served_optimistic':
        metrics.recordPaymentOutcome({ outcome: 'served', asset: event.asset })
        return
      case 'unpaid':
        metrics.recordPaymentOutcome({ outcome: 'unpaid', asset: event.asset, reason: event.reason })
        return
      case 'ledger_write_deferred':
        return
    }
  }
}
