import type { PaymentAttempt } from './attempt'
import { encodeHeader } from './codec'
import type { SettlementResponse } from './schemas'

/** A settlement result addressed to its payer: the x402 version decides the network name and the header. */
export interface SettlementDelivery {
  x402Version: 1 | 2
  response: SettlementResponse
}

/** The settlement response in the payer's protocol version: v1 network names, CAIP-2 ids in v2. */
export function settlementFor(
  attempt: PaymentAttempt,
  outcome: Pick<SettlementResponse, 'success' | 'transaction' | 'errorReason'>,
): SettlementDelivery {
  const v1 = attempt.x402Version === 1
  return {
    x402Version: attempt.x402Version,
    response: {
      ...outcome,
      network: v1 ? attempt.offer.network.v1Name : attempt.offer.network.caip2,
      payer: attempt.payer,
    },
  }
}

/** The x402 HTTP header carrying a settlement: `X-PAYMENT-RESPONSE` (v1) or `PAYMENT-RESPONSE` (v2). */
export function settlementHeaders(delivery: SettlementDelivery): Record<string, string> {
  const name = delivery.x402Version === 1 ? 'X-PAYMENT-RESPONSE' : 'PAYMENT-RESPONSE'
  return { [name]: encodeHeader(delivery.response) }
}
