import type { BeginOutcome, CompleteOutcome, RefusalKind } from './types'

/** The one place outcomes meet HTTP status codes (MCP renders the same outcomes as tool errors instead). */
export const REFUSAL_STATUS = {
  invalid_request: 400,
  payment: 402,
  approval_required: 412,
  conflict: 409,
  unavailable: 503,
} as const satisfies Record<RefusalKind, number>

export const CHALLENGE_STATUS = 402
export const PENDING_STATUS = 503

/** The HTTP status of an outcome that does not simply carry the handler's own status. */
export function httpStatusOf(
  outcome:
    | Exclude<BeginOutcome, { kind: 'serve' | 'replay' }>
    | Extract<CompleteOutcome, { kind: 'pending' | 'failed' }>,
): number {
  switch (outcome.kind) {
    case 'challenge':
      return CHALLENGE_STATUS
    case 'pending':
      return PENDING_STATUS
    case 'refusal':
    case 'failed':
      return REFUSAL_STATUS[outcome.refusal.kind]
  }
}
