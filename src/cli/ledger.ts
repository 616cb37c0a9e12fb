import { parseArgs } from 'node:util'
import { parseEnv } from '../config/env'
import { openSqliteDb } from '../db/client'
import { listPayments } from '../db/queries/payments'
import { PAYMENT_STATES, type PaymentState } from '../db/schema'

export const ledgerHelp = `Usage: x402-analytics ledger [--state STATE] [--payer ADDRESS] [--json]

Lists payments recorded in DATABASE_PATH.
  --state STATE     one of ${PAYMENT_STATES.join(', ')}
  --payer ADDRESS   only this payer
  --json            one JSON object per line`

export async function ledgerCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      state: { type: 'string' },
      payer: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
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
          `${new Date(row.createdAt).toISOString()}  ${row.state.padEnd(8)}  ${row.route.padEnd(20)}  ${row.amount} ${row.assetSymbol} ($${row.usdPrice})  ${row.payer}  ${row.txHash ?? '-'}${row.failureReason ? `  (${row.failureReason})` : ''}`,
        )
      }
    }
    if (!values.json) console.log(`${rows.length} payment(s)`)
  } finally {
    database.close()
  }
}
