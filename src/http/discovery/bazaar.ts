import type { HTTPAdapter, HTTPRequestContext } from '@x402/core/http'
import { bazaarResourceServerExtension, declareDiscoveryExtension } from '@x402/extensions/bazaar'
import { envelopeSchema, queryParamsSchema, toolNameOf, typedExampleQuery } from '../../catalog/json-schema'
import type { Endpoint } from '../../catalog/types'
import type { ExampleOutput } from './examples'

/** What a 402 says about how to call the endpoint and what comes back, in both protocol versions. */
export interface Discovery {
  /** v2 `PaymentRequired.extensions`: `{ bazaar }`. */
  extensions: Record<string, unknown>
  /** v1 `accepts[].outputSchema`: the same input and output, in the v1 shape the Bazaar reads. */
  v1OutputSchema: Record<string, unknown>
}

/**
 * The request context the Bazaar's resource-server enrichment reads. Our paid routes are fixed paths answering GET,
 * so the enrichment depends on nothing but the method and path: it runs once per route, not per request.
 */
function routeContext(path: string): HTTPRequestContext {
  const adapter: HTTPAdapter = {
    getHeader: () => undefined,
    getMethod: () => 'GET',
    getPath: () => path,
    getUrl: () => path,
    getAcceptHeader: () => 'application/json',
    getUserAgent: () => '',
  }
  return { adapter, path, method: 'GET', routePattern: path }
}

/**
 * The Bazaar discovery extension of a paid HTTP route, built with `@x402/extensions/bazaar`: the declaration from the
 * catalog (query parameters as JSON Schema with `required`, the example query and the output example), then the
 * resource-server enrichment that adds the HTTP method. The output's JSON Schema stays out of the header (it would
 * double its size, past what HTTP clients accept); OpenAPI and the MCP tool list carry it.
 */
export function httpDiscovery(endpoint: Endpoint, example: ExampleOutput | undefined): Discovery {
  const params = queryParamsSchema(endpoint)
  const input = typedExampleQuery(endpoint)
  const declared = declareDiscoveryExtension({
    input,
    inputSchema: { properties: params.properties, required: params.required },
    ...(example ? { output: { example } } : {}),
  })
  const bazaar = bazaarResourceServerExtension.enrichDeclaration?.(
    declared.bazaar,
    routeContext(endpoint.path),
  ) as Record<string, unknown>
  return {
    extensions: { bazaar },
    // v1 has no extensions: the Bazaar reads `outputSchema.input` (queryParams) and takes `outputSchema.output` as the
    // example, so this converts back to exactly the v2 `info` (extractDiscoveryInfoV1).
    v1OutputSchema: {
      input: { type: 'http', method: 'GET', discoverable: true, queryParams: input },
      ...(example ? { output: example } : {}),
    },
  }
}

/** The Bazaar extension of the same endpoint as an MCP tool (its 402s over MCP carry this one). */
export function mcpDiscovery(
  endpoint: Endpoint,
  example: ExampleOutput | undefined,
): Record<string, unknown> {
  const params = queryParamsSchema(endpoint)
  return declareDiscoveryExtension({
    toolName: toolNameOf(endpoint),
    description: endpoint.description,
    transport: 'streamable-http',
    inputSchema: { type: 'object', properties: params.properties, required: params.required },
    example: typedExampleQuery(endpoint),
    ...(example ? { output: { example, schema: envelopeSchema(endpoint) } } : {}),
  })
}
