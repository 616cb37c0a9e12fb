export {
  ADMIN_AUDIT_ACTIONS,
  ADMIN_SCOPES,
  type AdminAuditAction,
  type AdminAuditRow,
  type AdminKey,
  type AdminScope,
  adminAudit,
  adminKeys,
  type NewAdminAuditRow,
  type NewAdminKey,
} from './admin'
export { dataMeta } from './data-meta'
export { idempotencyRecords } from './idempotency'
export { dailyOhlcv, hourlyOhlcv, ingestCursors } from './ohlcv'
export { type NewPayment, PAYMENT_STATES, type Payment, type PaymentState, payments } from './payments'
export { spendCounters, spendOverrides, spendPolicies } from './spend'
export { type NewToken, type Token, tokens } from './tokens'
