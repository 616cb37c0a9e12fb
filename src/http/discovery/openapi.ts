import { envelopeSchema, queryParamsSchema, toolNameOf, typedExampleQuery } from '../../catalog/json-schema'
import type { Endpoint } from '../../catalog/types'
import { bodySchemaOf, PUBLIC_ROUTES } from './public-routes'

type Json = Record<string, unknown>

export interface OpenApiOptions {
  endpoints: readonly Endpoint[]
  /** USD price of an endpoint, `null` when free (the tier table). */
  priceOf: (endpoint: Endpoint) => string | null
  version: string
  network: string
}

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    success: { type: 'boolean', const: false },
    error: { type: 'string', description: 'machine-readable reason' },
    message: { type: 'string', description: 'what went wrong, for people' },
  },
  required: ['success', 'error', 'message'],
  additionalProperties: true,
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

function catalogOperation(endpoint: Endpoint, usdPrice: string | null): Json {
  const params = queryParamsSchema(endpoint)
  const example = typedExampleQuery(endpoint)
  const paid = usdPrice !== null
  return {
    operationId: toolNameOf(endpoint),
    summary: endpoint.summary,
    description: `${endpoint.description}${paid ? ` Price: $${usdPrice} per call (x402, USDC or TMAI).` : ''}`,
    tags: [paid ? `paid-${endpoint.tier}` : 'free'],
    // No API keys anywhere: free routes are open, paid ones are paid per call with x402 (x-payment-info).
    security: [],
    ...(paid
      ? {
          'x-payment-info': {
            price: { mode: 'fixed', currency: 'USD', amount: usdPrice },
            protocols: [{ x402: {} }],
          },
        }
      : {}),
    parameters: Object.entries(params.properties).map(([name, schema]) => ({
      name,
      in: 'query',
      required: params.required.includes(name),
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      schema,
      ...(name in example ? { example: example[name] } : {}),
    })),
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: envelopeSchema(endpoint) } },
      },
      '400': errorResponse('a parameter is invalid (`invalid_parameter`, names it); nothing charged'),
      ...(paid
        ? {
            '402': {
              description:
                'Payment Required: the JSON body is the x402 v1 challenge, the PAYMENT-REQUIRED header the v2 one (USDC and TMAI offers, Bazaar discovery)',
              headers: {
                'PAYMENT-REQUIRED': {
                  description: 'base64 JSON x402 v2 PaymentRequired',
                  schema: { type: 'string' },
                },
              },
            },
          }
        : {}),
      '404': errorResponse('unknown symbol, or no data for this query; nothing charged'),
      '503': errorResponse('no market data loaded, or payment verification unavailable; nothing charged'),
    },
  }
}

/**
 * The OpenAPI 3.1 document of the API, generated from the catalog (zod → JSON Schema) and the public-route table:
 * every operation with its parameters and response schema; paid ones with `x-payment-info` and a 402. `servers` is
 * left to {@link withServer} (PUBLIC_URL or the request's origin).
 */
export function buildOpenApi(options: OpenApiOptions): Json {
  const paths: Record<string, Json> = {}
  for (const endpoint of options.endpoints) {
    paths[endpoint.path] = { get: catalogOperation(endpoint, options.priceOf(endpoint)) }
  }
  for (const route of PUBLIC_ROUTES) {
    const body = bodySchemaOf(route)
    const operation: Json = {
      operationId: route.path
        .replace(/^\//, '')
        .replace(/[/{}-]+/g, '_')
        .replace(/_$/, ''),
      summary: route.summary,
      description: route.description,
      tags: ['free'],
      security: [],
      ...(route.pathParams
        ? {
            parameters: Object.entries(route.pathParams).map(([name, p]) => ({
              name,
              in: 'path',
              required: true,
              description: p.description,
              schema: { type: 'string', pattern: p.pattern },
            })),
          }
        : {}),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      responses: {
        [route.method === 'POST' ? '201' : '200']: {
          description: 'OK',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        ...(route.pathParams || body ? { '400': errorResponse('invalid input') } : {}),
      },
    }
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'x402-analytics',
      version: options.version,
      description:
        'Pay-per-call crypto analytics (OHLCV, signals, grades, quant metrics, indices, reports). No account and no ' +
        'API key: a paid endpoint answers 402 with x402 payment requirements (USDC by EIP-3009, or TMAI 10% cheaper ' +
        `by Permit2, on ${options.network}); pay with any x402 client and retry. The same tools are served over MCP ` +
        '(Streamable HTTP) at /mcp; /llms.txt describes the API for language models.',
    },
    paths,
    components: { schemas: { Error: ERROR_SCHEMA } },
  }
}

/** The document with its `servers` (where clients send requests) and where the other discovery documents are. */
export const withServer = (document: Json, baseUrl: string): Json => ({
  ...document,
  servers: [{ url: baseUrl }],
  'x-discovery': {
    llmsTxtUrl: `${baseUrl}/llms.txt`,
    mcpUrl: `${baseUrl}/mcp`,
    wellKnownX402Url: `${baseUrl}/.well-known/x402`,
  },
})
