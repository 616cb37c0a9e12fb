import type { HTTPAdapter, HTTPRequestContext } from '@x402/core/http'
import { bazaarResourceServerExtension, declareDiscoveryExtension } from '@x402/extensions/bazaar'
import type { RouteDescription, RouteDiscovery } from '../paid/priced-routes'
import type { ExampleOutput, ExampleOutputs } from './examples'
import { envelopeSchema, queryParamsSchema, toolNameOf, typedExampleQuery } from './json-schema'
import type { Endpoint } from './types'

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
export function httpDiscovery(endpoint: Endpoint, example: ExampleOutput | undefined): RouteDescription {
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

/**
 * The catalog's discovery for priced routes (paid/priced-routes.ts): the output examples of the loaded data, the
 * Bazaar extension of the HTTP route or the MCP tool, and the v1 `outputSchema` of the HTTP route for both.
 */
export function bazaarDiscovery(examples: ExampleOutputs): RouteDiscovery<Endpoint, ExampleOutput> {
  return {
    async example(endpoint, ready) {
      const example = ready ? await examples.readyExampleOf(endpoint) : await examples.exampleOf(endpoint)
      return example?.output
    },
    describe(endpoint, door, example) {
      const http = httpDiscovery(endpoint, example)
      return door === 'http' ? http : { ...http, extensions: mcpDiscovery(endpoint, example) }
    },
  }
}
