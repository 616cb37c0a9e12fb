export { dataMeta } from './data-meta'
export { dailyOhlcv, hourlyOhlcv, ingestCursors } from './ohlcv'
export { type NewPayment, PAYMENT_STATES, type Payment, type PaymentState, payments } from './payments'
export { type NewToken, type Token, tokens } from './tokens'
