import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier'
import type { Endpoint } from '../../catalog/types'
import type { Config } from '../../config/env'
import type { PricedRoute } from '../../paid/types'
import type { SettleMode } from '../../payments/ledger'
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
  config: Pick<Config, 'tierPricesUsd' | 'optimisticRoutes'>
  examples: ExampleOutputs
}) {
  const memo = new WeakMap<ExampleOutput, { http?: PricedRoute; mcp?: PricedRoute }>()
  /** Routes whose example is not known yet (used by paid requests, which never wait for one). */
  const withoutExample = { http: new Map<string, PricedRoute>(), mcp: new Map<string, PricedRoute>() }

  function priceOf(endpoint: Endpoint): string {
    const usdPrice = usdPriceOf(deps.config, endpoint)
    if (usdPrice === null) throw new Error(`${endpoint.path} is free: it has no priced route`)
    return usdPrice
  }

  /** Served after verification and settled in the background (SETTLE_OPTIMISTIC_ROUTES), or after settlement. */
  function settleModeOf(endpoint: Endpoint): SettleMode {
    const optimistic = deps.config.optimisticRoutes
    return optimistic.includes('*') || optimistic.includes(endpoint.path) ? 'optimistic' : 'before-response'
  }

  function build(endpoint: Endpoint, door: 'http' | 'mcp', output: ExampleOutput | undefined): PricedRoute {
    const usdPrice = priceOf(endpoint)
    const http = httpDiscovery(endpoint, output)
    const settle = settleModeOf(endpoint)
    const route: PricedRoute = {
      path: endpoint.path,
      usdPrice,
      description: endpoint.description,
      mimeType: 'application/json',
      outputSchema: http.v1OutputSchema,
      settle,
      extensions: {
        ...(door === 'http' ? http.extensions : mcpDiscovery(endpoint, output)),
        // Safe retries: a client that sends a payment id gets the same answer again without a second charge.
        [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false),
        // Which promise the paid answer carries: settled on chain before it left, or verified and settling.
        'settlement-mode': { info: { mode: settle } },
      },
    }
    return route
  }

  /**
   * The priced route for one request. An unpaid request (the one that gets the 402 directories read) waits for the
   * example; a paid one uses it only if it is known already, so paying never waits for (or pays for) the example's
   * computation, and its refusals carry the Bazaar extension without the output example until then.
   */
  async function routeFor(endpoint: Endpoint, door: 'http' | 'mcp', paid: boolean): Promise<PricedRoute> {
    const example = paid
      ? await deps.examples.readyExampleOf(endpoint)
      : await deps.examples.exampleOf(endpoint)
    if (!example) {
      const routes = withoutExample[door]
      const route = routes.get(endpoint.path) ?? build(endpoint, door, undefined)
      routes.set(endpoint.path, route)
      return route
    }
    const known = memo.get(example.output) ?? {}
    const cached = known[door] ?? build(endpoint, door, example.output)
    memo.set(example.output, { ...known, [door]: cached })
    return cached
  }

  return {
    priceOf,
    http: (endpoint: Endpoint, paid: boolean) => routeFor(endpoint, 'http', paid),
    mcp: (endpoint: Endpoint, paid: boolean) => routeFor(endpoint, 'mcp', paid),
  }
}

export type PricedRoutes = ReturnType<typeof createPricedRoutes>
