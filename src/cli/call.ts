import { parseArgs } from 'node:util'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export const callHelp = `Usage: x402-analytics call <path> [--url URL] [--json]

Calls an endpoint and pays for it with x402 (the official @x402/fetch client, USDC on Base or the devnet).
  <path>        e.g. '/v1/daily-ohlcv?symbol=ETH&limit=3'
  --url URL     server base URL (default http://127.0.0.1:$PORT, PORT defaulting to 4021)
  --json        print the raw JSON response only
The payer key comes from PAYER_PRIVATE_KEY (never from a flag, so it stays out of shell history).`

export async function callCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  })
  const target = positionals[0]
  if (values.help || !target) {
    console.log(callHelp)
    if (!values.help) process.exitCode = 2
    return
  }
  const key = process.env.PAYER_PRIVATE_KEY
  if (!key || !isHex(key) || key.length !== 66) {
    console.error('PAYER_PRIVATE_KEY must be set to a 0x-prefixed 32-byte hex key')
    process.exitCode = 2
    return
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 4021}`
  const client = new x402Client()
  registerExactEvmScheme(client, { signer: privateKeyToAccount(key as `0x${string}`) })
  const payingFetch = wrapFetchWithPayment(fetch, client)
  const response = await payingFetch(new URL(target, base))
  const body = await response.text()
  const settlement = response.headers.get('PAYMENT-RESPONSE') ?? response.headers.get('X-PAYMENT-RESPONSE')
  if (values.json) {
    console.log(body)
  } else {
    console.log(`HTTP ${response.status}`)
    if (settlement) {
      const decoded = decodePaymentResponseHeader(settlement)
      console.log(
        `paid: ${decoded.success ? 'yes' : 'no'}  tx: ${decoded.transaction}  network: ${decoded.network}`,
      )
    }
    console.log(body)
  }
  if (!response.ok) process.exitCode = 1
}
