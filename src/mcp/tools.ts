import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { envelopeSchema, queryParamsSchema, toolNameOf } from '../catalog/json-schema'
import type { Endpoint } from '../catalog/types'

/** One MCP tool per catalog endpoint, with the endpoint it stands for. */
export interface CatalogTool {
  tool: Tool
  endpoint: Endpoint
  /** USD price per call, `null` when free. */
  usdPrice: string | null
}

/**
 * The MCP tools of the catalog: snake_case names, the description with the price and what comes back, the input
 * schema from the zod input, the price machine-readable in `_meta` (the same `x-payment-info` object OpenAPI
 * carries), and the envelope as output schema on free tools. Paid tools declare none: the MCP SDK client checks
 * `structuredContent` against it even on error results, and the x402 MCP transport puts the PaymentRequired there;
 * their 402 carries the output example and schema in its Bazaar extension instead.
 */
export function catalogTools(
  endpoints: readonly Endpoint[],
  priceOf: (endpoint: Endpoint) => string | null,
): CatalogTool[] {
  return endpoints.map((endpoint) => {
    const usdPrice = priceOf(endpoint)
    const params = queryParamsSchema(endpoint)
    const price =
      usdPrice === null
        ? 'Free.'
        : `Price: $${usdPrice} per call, paid with x402 (USDC, or TMAI at a discount): an unpaid call returns the ` +
          'payment requirements; retry with the payment in _meta["x402/payment"].'
    return {
      endpoint,
      usdPrice,
      tool: {
        name: toolNameOf(endpoint),
        title: endpoint.summary,
        description: `${endpoint.description} ${price} Returns { success, message, length, data: [...], meta }.`,
        inputSchema: {
          type: 'object',
          properties: params.properties,
          ...(params.required.length > 0 ? { required: params.required } : {}),
        },
        ...(usdPrice === null ? { outputSchema: envelopeSchema(endpoint) as Tool['outputSchema'] } : {}),
        annotations: {
          title: endpoint.summary,
          readOnlyHint: true,
          idempotentHint: true,
          openWorldHint: false,
        },
        ...(usdPrice === null
          ? {}
          : {
              _meta: {
                'x402/payment-info': {
                  price: { mode: 'fixed', currency: 'USD', amount: usdPrice },
                  protocols: [{ x402: {} }],
                },
              },
            }),
      },
    }
  })
}

/**
 * Tool arguments as the query string the endpoint parses: numbers and booleans as text, lists joined with commas,
 * so a tool call and an HTTP call go through the same validation. Anything else is named as invalid.
 */
export function argumentsToQuery(
  args: Record<string, unknown> | undefined,
): { ok: true; query: Record<string, string> } | { ok: false; parameter: string; message: string } {
  const query: Record<string, string> = {}
  for (const [name, value] of Object.entries(args ?? {})) {
    if (value === undefined || value === null) continue
    if (typeof value === 'string') query[name] = value
    else if (typeof value === 'number' || typeof value === 'boolean') query[name] = String(value)
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number'))
      query[name] = value.join(',')
    else
      return { ok: false, parameter: name, message: `${name}: must be a string, a number or a list of them` }
  }
  return { ok: true, query }
}
