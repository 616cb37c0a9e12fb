import { html, raw } from 'hono/html'
import { formatAtomic, usdMicros } from '../../lib/money'
import type { Challenge } from '../../paid/types'

/** The page's only style: inline, and allowed by its hash in the CSP (nothing else may run or load). */
export const PAYMENT_PAGE_STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #dde; padding: .4rem; text-align: left; }
code { font-size: .9em; word-break: break-all; } .price { font-size: 1.6rem; font-weight: 600; }
`

/** base64 SHA-256 of PAYMENT_PAGE_STYLE (a test recomputes it: change both together). */
const PAYMENT_PAGE_STYLE_SHA256 = 'y44OmBPyCcd9mEN2wxqqA4EQNbnWnD0DRDmgMJe9wdk='

/** What a browser may do with the 402 page: show its own style and favicon, nothing else; never sniff its type. */
export const PAYMENT_PAGE_SECURITY_HEADERS = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${PAYMENT_PAGE_STYLE_SHA256}'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const

/**
 * The 402 a browser gets: what the call costs (USD, and each offered token's exact amount) and how to pay, with
 * links to the machine-readable documents. The PAYMENT-REQUIRED header is the same as for API clients.
 */
export function paymentPageHtml(challenge: Challenge, message: string): string {
  const offers = challenge.offers
  const usdPrice = offers[0]?.usdPrice ?? '?'
  const resource = challenge.v2.resource
  const rows = offers.map(
    (offer) => html`<tr>
        <td>${offer.asset.symbol}</td>
        <td><code>${formatAtomic(offer.amountAtomic, offer.asset.decimals)}</code></td>
        <td><code>${offer.amountAtomic.toString()}</code> (${offer.asset.decimals} decimals)</td>
        <td>${offer.quote ? `$${usdValue(offer.usdMicros)} (${percent(offer.quote.discount)}% off)` : `$${usdPrice}`}</td>
        <td><code>${offer.asset.address}</code></td>
      </tr>`,
  )
  const page = html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>402 Payment Required · x402-analytics</title>
    <link rel="icon" href="/favicon.ico" />
    <style>${raw(PAYMENT_PAGE_STYLE)}</style>
  </head>
  <body>
    <h1>402 Payment Required</h1>
    <p>${resource.description ?? ''}</p>
    <p class="price">$${usdPrice} per call</p>
    <p>${message}. Pay per request with <a href="https://x402.org">x402</a>: no account, no API key.</p>
    <table>
      <thead><tr><th>token</th><th>amount</th><th>atomic units</th><th>USD</th><th>contract</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
    <h2>How to pay</h2>
    <ol>
      <li>Use an x402 client: <code>@x402/fetch</code> or <code>@x402/axios</code> (v2), <code>x402-fetch</code> or <code>x402-axios</code> (v1, USDC only).</li>
      <li>It reads the <code>PAYMENT-REQUIRED</code> header of this response, signs the payment with your wallet and retries with <code>PAYMENT-SIGNATURE</code>.</li>
      <li>TMAI is paid through Permit2: approve Permit2 once, then send <code>x-payment-token: tmai</code>.</li>
      <li>Or from a shell: <code>PAYER_PRIVATE_KEY=0x… x402-analytics call '${new URL(resource.url).pathname}${new URL(resource.url).search}' --max-usd ${usdPrice}</code></li>
    </ol>
    <p>For agents: <a href="/openapi.json">/openapi.json</a> · <a href="/llms.txt">/llms.txt</a> · <a href="/.well-known/x402">/.well-known/x402</a> · MCP at <code>/mcp</code> · <a href="/">all endpoints</a></p>
  </body>
</html>`
  return String(page)
}

const usdValue = (micros: bigint) => formatAtomic(micros, 6)
/** `0.10` → `10`, in bigint arithmetic like every other amount. */
const percent = (fraction: string) => formatAtomic(usdMicros(fraction) * 100n, 6)
