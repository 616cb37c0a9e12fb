import { parseEnv } from '../config/env'
import { openSqliteDb } from '../db/client'
import { listPayments } from '../db/queries/payments'
import { PAYMENT_STATES, type Payment, type PaymentState } from '../db/schema'
import { formatAtomic, toAtomic } from '../lib/money'
import { parseCommandArgs } from './args'

export const ledgerHelp = `Usage: x402-analytics ledger [--state STATE] [--payer ADDRESS] [--json]

Lists payments recorded in DATABASE_PATH.
  --state STATE     one of ${PAYMENT_STATES.join(', ')}
  --payer ADDRESS   only this payer
  --json            one JSON object per line`

/**
 * What a payment was worth in USD: its value after any discount (a TMAI payment's is 10% under the list price),
 * with the list price beside it when they differ. Rows from before values were recorded hold "0": the list price.
 */
function worth(row: Pick<Payment, 'usdPrice' | 'usdValue' | 'discount'>): string {
  const unrecorded = row.usdValue === '0' && row.discount === '0'
  if (unrecorded || row.usdValue === row.usdPrice) return `$${row.usdPrice}`
  const off = row.discount !== '0' ? `, ${formatAtomic(toAtomic(row.discount, 18) * 100n, 18)}% off` : ''
  return `$${row.usdValue}; list $${row.usdPrice}${off}`
}

export async function ledgerCommand(argv: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    {
      args: argv,
      options: {
        state: { type: 'string' },
        payer: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    ledgerHelp,
  )
  if (values.help) {
    console.log(ledgerHelp)
    return
  }
  if (values.state && !PAYMENT_STATES.includes(values.state as PaymentState)) {
    console.error(`--state must be one of ${PAYMENT_STATES.join(', ')}`)
    process.exitCode = 2
    return
  }
  const config = parseEnv(process.env)
  const database = openSqliteDb(config.databasePath)
  try {
    const rows = await listPayments(database.db, {
      state: values.state as PaymentState | undefined,
      payer: values.payer,
    })
    for (const row of rows) {
      const { payload: _payload, ...shown } = row
      if (values.json) console.log(JSON.stringify(shown))
      else {
        console.log(
          `${new Date(row.createdAt).toISOString()}  ${row.state.padEnd(8)}  ${row.route.padEnd(20)}  ${row.amount} ${row.assetSymbol} (${worth(row)})  ${row.payer}  ${row.txHash ?? '-'}${row.failureReason ? `  (${row.failureReason})` : ''}`,
        )
      }
    }
    if (!values.json) console.log(`${rows.length} payment(s)`)
  } finally {
    database.close()
  }
}
