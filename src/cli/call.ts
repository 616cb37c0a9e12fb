import { registerExactEvmScheme } from '@x402/evm/exact/client'
import { x402Client, x402HTTPClient } from '@x402/fetch'
import { isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { messageOf } from '../lib/errors'
import { formatAtomic, parseDecimal, toAtomic } from '../lib/money'
import { parseCommandArgs } from './args'
import { assetSymbol, type Offer, valueOfferAgainstCap } from './payment-caps'

export const callHelp = `Usage: x402-analytics call <path> [options]

Calls an endpoint and pays for it with x402 (the official @x402/fetch client), on Base or the devnet.
  <path>             e.g. '/v1/daily-ohlcv?symbol=ETH&limit=3'
  --url URL          server base URL (default http://127.0.0.1:$PORT, PORT defaulting to 4021)
  --max-usd N        refuse any single payment worth more than N USD (default 0.10)
  --token T          usdc (default) or tmai (18 decimals, paid through Permit2)
  --budget-usd N     stop before the running total of this invocation would exceed N USD
  --repeat N         make the call N times (default 1)
  --dry-run          show the offers and what would be paid; pay nothing
  --json             print the raw JSON response body only
The payer key comes from PAYER_PRIVATE_KEY (never from a flag, so it stays out of shell history).`

/** The server did not answer at all (not running, wrong port or host): say where we looked and what to do. */
export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError'
  constructor(base: string, cause: unknown) {
    const code = (cause as { cause?: { code?: string } })?.cause?.code
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND'
          ? 'unknown host'
          : (code ?? (messageOf(cause ?? '') || 'no answer'))
    super(
      `no server answers at ${base} (${why}). Start it with 'npm start' (or 'x402-analytics serve'), or point --url at a running one.`,
      { cause },
    )
  }
}

/** `fetch`, with a network failure (no HTTP answer at all) turned into a ServerUnreachableError naming `base`. */
async function fetchFrom(base: string, url: URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (error) {
    throw new ServerUnreachableError(base, error)
  }
}

export async function callCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    {
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'max-usd': { type: 'string', default: '0.10' },
        token: { type: 'string', default: 'usdc' },
        'budget-usd': { type: 'string' },
        repeat: { type: 'string', default: '1' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    callHelp,
  )
  const target = positionals[0]
  const fail = (message: string, code = 2) => {
    console.error(message)
    process.exitCode = code
  }
  if (values.help || !target) {
    console.log(callHelp)
    if (!values.help) process.exitCode = 2
    return
  }
  const token = values.token.toLowerCase()
  if (token !== 'usdc' && token !== 'tmai') return fail('--token must be usdc or tmai')
  const repeat = Number(values.repeat)
  if (!Number.isInteger(repeat) || repeat < 1) return fail('--repeat must be a positive integer')
  let budgetMicros: bigint | undefined
  try {
    parseDecimal(values['max-usd']) // validated up front: a bad cap is refused before any request
    budgetMicros = values['budget-usd'] === undefined ? undefined : toAtomic(values['budget-usd'], 6)
  } catch (error) {
    return fail(`--max-usd / --budget-usd: ${messageOf(error)}`)
  }
  const key = process.env.PAYER_PRIVATE_KEY
  if (!values['dry-run'] && (!key || !isHex(key) || key.length !== 66)) {
    return fail('PAYER_PRIVATE_KEY must be set to a 0x-prefixed 32-byte hex key')
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 4021}`
  const client = new x402Client()
  if (key) registerExactEvmScheme(client, { signer: privateKeyToAccount(key as `0x${string}`) })
  const http = new x402HTTPClient(client)
  let spentMicros = 0n

  for (let run = 1; run <= repeat; run++) {
    const url = new URL(target, base)
    const first = await fetchFrom(base, url)
    if (first.status !== 402) {
      const text = await first.text()
      console.log(values.json ? text : `HTTP ${first.status} (no payment asked)\n${text}`)
      if (!first.ok) process.exitCode = 1
      return
    }
    const body = await first.json().catch(() => undefined)
    const required = http.getPaymentRequiredResponse((name) => first.headers.get(name), body)
    const offers = required.accepts as Offer[]
    const chosen = offers.find((o) => assetSymbol(o) === token.toUpperCase())
    if (!chosen) return fail(`the server offers no ${token.toUpperCase()} payment for ${target}`, 1)
    // The cap in this token's atomic units, rounded down: it must never allow more than the USD it says.
    const valuation = await valueOfferAgainstCap(chosen, base, values['max-usd'])
    if (!valuation.priced) return fail(valuation.message, 1)
    const { capAtomic, line } = valuation
    if (values['dry-run']) {
      console.log(`offers for ${target}:`)
      for (const o of offers)
        console.log(`  ${assetSymbol(o) ?? o.asset}: ${o.amount} atomic on ${o.network} to ${o.payTo}`)
      console.log(
        `would pay ${line}; cap ${capAtomic} atomic ($${values['max-usd']}); nothing was paid (--dry-run)`,
      )
      return
    }
    if (!valuation.withinCap) return fail(valuation.message, 1)
    const valueMicros = valuation.micros
    if (budgetMicros !== undefined && spentMicros + valueMicros > budgetMicros) {
      return fail(
        `stopping before call ${run}: $${formatAtomic(spentMicros, 6)} spent, another $${formatAtomic(valueMicros, 6)} would exceed --budget-usd ${values['budget-usd']}`,
        1,
      )
    }
    // Let the client's own spend controls enforce the same cap (they know each asset's units).
    client.setSpendControls({
      allowedAssets: [
        {
          network: chosen.network as `${string}:${string}`,
          asset: chosen.asset,
          maxAmountPerPayment: capAtomic.toString(),
        },
      ],
    })
    const payload = await client.createPaymentPayload({ ...required, accepts: [chosen] } as never)
    const paid = await fetchFrom(base, url, { headers: http.encodePaymentSignatureHeader(payload) })
    const text = await paid.text()
    const settlement = paid.headers.get('PAYMENT-RESPONSE')
      ? http.getPaymentSettleResponse((n) => paid.headers.get(n))
      : undefined
    if (settlement?.success) spentMicros += valueMicros
    if (values.json) console.log(text)
    else {
      console.log(`HTTP ${paid.status}${repeat > 1 ? ` (call ${run}/${repeat})` : ''}`)
      if (settlement)
        console.log(
          `paid: ${settlement.success ? line : 'no'}  tx: ${settlement.transaction}  network: ${settlement.network}`,
        )
      console.log(text)
    }
    if (!paid.ok) {
      process.exitCode = 1
      return
    }
  }
  if (!values.json && (repeat > 1 || budgetMicros !== undefined))
    console.log(`total spent: $${formatAtomic(spentMicros, 6)}`)
}
