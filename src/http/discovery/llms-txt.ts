import { queryParamsSchema, toolNameOf } from '../../catalog/json-schema'
import type { Endpoint } from '../../catalog/types'
import { PUBLIC_ROUTES } from './public-routes'

export interface LlmsTxtOptions {
  endpoints: readonly Endpoint[]
  priceOf: (endpoint: Endpoint) => string | null
  baseUrl: string
  network: string
  /** TMAI discount as a percentage string ("10"), when TMAI is offered. */
  tmaiDiscountPercent?: string
}

const describeParam = (name: string, schema: Record<string, unknown>, required: boolean) => {
  const type = typeof schema.type === 'string' ? schema.type : 'string'
  const extra = typeof schema.description === 'string' ? ` — ${schema.description}` : ''
  return `\`${name}\` (${type}${required ? ', required' : ''})${extra}`
}

/** `/llms.txt` (llmstxt.org): the API explained for a language model, from the catalog. */
export function buildLlmsTxt(options: LlmsTxtOptions): string {
  const { baseUrl } = options
  const lines = [
    '# x402-analytics',
    '',
    '> Pay-per-call crypto analytics API: OHLCV, trading signals, trader and investor grades, market sentiment and ' +
      'metrics, support/resistance, indices, correlation, quant metrics, price scenarios and token reports. No ' +
      'account, no API key: paid endpoints answer HTTP 402 with x402 payment requirements.',
    '',
    '## How to pay',
    '',
    `- Call a paid endpoint; the 402 carries the offers in the \`PAYMENT-REQUIRED\` header (x402 v2, base64 JSON) and in the JSON body (x402 v1). Network: ${options.network}.`,
    '- USDC (6 decimals): EIP-3009 `transferWithAuthorization`, signed by any x402 client (`@x402/fetch`, `@x402/axios`, `x402-fetch`, `x402-axios`). Retry with `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1).',
    options.tmaiDiscountPercent
      ? `- TMAI (18 decimals, ${options.tmaiDiscountPercent}% cheaper): x402 v2 \`exact\` with \`assetTransferMethod: "permit2"\`. Approve Permit2 once, then send \`x-payment-token: tmai\`. Caps must be in TMAI atomic units (10^18 per TMAI).`
      : '- TMAI is not offered right now.',
    '- The response carries `PAYMENT-RESPONSE` (v2) or `X-PAYMENT-RESPONSE` (v1) with the settlement transaction.',
    '- Retries are safe with `Idempotency-Key` (or the x402 `payment-identifier` extension): the same request is answered again without a second charge.',
    `- Errors: \`{ success: false, error, message }\`. Bad parameters (400) and unknown symbols (404) are never charged. Prices in USDC and TMAI right now: ${baseUrl}/v1/payment-quote`,
    '',
    '## Discovery',
    '',
    `- [OpenAPI 3.1](${baseUrl}/openapi.json): every route, parameters, response schemas and prices (\`x-payment-info\`)`,
    `- [x402 resources](${baseUrl}/.well-known/x402): the paid URLs`,
    `- MCP (Streamable HTTP, stateless): ${baseUrl}/mcp — one tool per endpoint; paid tools follow the x402 MCP transport (payment in \`_meta["x402/payment"]\`, receipt in \`_meta["x402/payment-response"]\`)`,
    '- Local MCP over stdio that pays for you: `PAYER_PRIVATE_KEY=0x… x402-analytics mcp --url ' +
      baseUrl +
      ' --max-usd 0.10 --budget-usd 1`',
    '',
    '## Endpoints',
    '',
  ]
  for (const endpoint of options.endpoints) {
    const price = options.priceOf(endpoint)
    const params = queryParamsSchema(endpoint)
    const example = `${baseUrl}${endpoint.path}?${new URLSearchParams(endpoint.examples.ok)}`
    lines.push(
      `- [${endpoint.summary}](${example}): \`GET ${endpoint.path}\` — ${price === null ? 'free' : `$${price} per call`} — MCP tool \`${toolNameOf(endpoint)}\`. ${endpoint.description}`,
    )
    const names = Object.keys(params.properties)
    if (names.length > 0) {
      lines.push(
        `  Parameters: ${names.map((n) => describeParam(n, params.properties[n] ?? {}, params.required.includes(n))).join('; ')}.`,
      )
    }
  }
  lines.push('', '## Free routes', '')
  for (const route of PUBLIC_ROUTES) {
    lines.push(`- \`${route.method} ${route.path}\`: ${route.description}`)
  }
  return `${lines.join('\n')}\n`
}
