import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier'
import type { Endpoint } from '../../catalog/types'
import type { Config } from '../../config/env'
import type { PricedRoute } from '../../paid/types'
import { tierPriceUsd } from '../../pricing/tiers'
import { httpDiscovery, mcpDiscovery } from './bazaar'
import type { ExampleOutput, ExampleOutputs } from './examples'

/** The price of a catalog endpoint as a USD decimal string (`null`: free); the one tier table everything reads. */
export function usdPriceOf(
  config: Pick<Config, 'tierPricesUsd'>,
  endpoint: Pick<Endpoint, 'tier'>,
): string | null {
  return tierPriceUsd(config, endpoint.tier)
}

/**
 * Paid endpoints as the paid-request core sees them, per door: price, description, and the discovery metadata every
 * challenge carries (Bazaar in v2, the same in v1's `outputSchema`). Rebuilt only when the endpoint's example changes.
 */
export function createPricedRoutes(deps: {
  config: Pick<Config, 'tierPricesUsd'>
  examples: ExampleOutputs
}) {
  const memo = new WeakMap<ExampleOutput, { http?: PricedRoute; mcp?: PricedRoute }>()

  function priceOf(endpoint: Endpoint): string {
    const usdPrice = usdPriceOf(deps.config, endpoint)
    if (usdPrice === null) throw new Error(`${endpoint.path} is free: it has no priced route`)
    return usdPrice
  }

  async function routeFor(endpoint: Endpoint, door: 'http' | 'mcp'): Promise<PricedRoute> {
    const usdPrice = priceOf(endpoint)
    const { output } = await deps.examples.exampleOf(endpoint)
    const known = memo.get(output) ?? {}
    const cached = known[door]
    if (cached) return cached
    const http = httpDiscovery(endpoint, output)
    const route: PricedRoute = {
      path: endpoint.path,
      usdPrice,
      description: endpoint.description,
      mimeType: 'application/json',
      outputSchema: http.v1OutputSchema,
      extensions: {
        ...(door === 'http' ? http.extensions : mcpDiscovery(endpoint, output)),
        // Safe retries: a client that sends a payment id gets the same answer again without a second charge.
        [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false),
      },
    }
    memo.set(output, { ...known, [door]: route })
    return route
  }

  return {
    priceOf,
    http: (endpoint: Endpoint) => routeFor(endpoint, 'http'),
    mcp: (endpoint: Endpoint) => routeFor(endpoint, 'mcp'),
  }
}

export type PricedRoutes = ReturnType<typeof createPricedRoutes>
