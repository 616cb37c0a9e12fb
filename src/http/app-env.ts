import type { PaymentSummary } from '../paid/types'

/** Per-request values the glue sets for handlers and logs. */
export type AppVariables = {
  requestId: string
  /** Set once a payment is verified. */
  payment?: PaymentSummary
  /** Input parsed by the payment gate, so the handler does not parse twice. */
  parsedInput?: unknown
}

export type AppEnv = { Variables: AppVariables }
