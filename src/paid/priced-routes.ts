import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier'
import type { Config } from '../config/env'
import type { SettleMode } from '../payments/ledger'
import { type Tier, usdPriceOf } from '../pricing/tiers'
import type { PricedRoute } from './types'

/** What a priced route is made from (a catalog endpoint is one). */
export interface PricedEndpoint {
  path: string
  tier: Tier
  description: string
}

/** The door a priced route is for: its challenges describe an HTTP route or an MCP tool. */
export type Door = 'http' | 'mcp'

/** A door's discovery metadata: v2 `extensions` (Bazaar) and the same in v1's `outputSchema`. */
export interface RouteDescription {
  extensions: Record<string, unknown>
  v1OutputSchema: Record<string, unknown>
}

/**
 * What discovery knows of a paid endpoint (the catalog's Bazaar projection, catalog/bazaar.ts): its current output
 * example, and each door's metadata with that example in it.
 */
export interface RouteDiscovery<E extends PricedEndpoint, X extends object> {
  /** The example for the current data; `ready`: only if it is known already (never computes). */
  example(endpoint: E, ready: boolean): Promise<X | undefined>
  describe(endpoint: E, door: Door, example: X | undefined): RouteDescription
}

/** Served after verification and settled in the background (SETTLE_OPTIMISTIC_ROUTES), or after settlement. */
export function settleModeOf(config: Pick<Config, 'optimisticRoutes'>, path: string): SettleMode {
  const optimistic = config.optimisticRoutes
  return optimistic.includes('*') || optimistic.includes(path) ? 'optimistic' : 'before-response'
}

/**
 * Paid endpoints as the paid-request core sees them, per door: price, description, and the discovery metadata every
 * challenge carries (Bazaar in v2, the same in v1's `outputSchema`). Rebuilt only when the endpoint's example changes.
 */
export function createPricedRoutes<E extends PricedEndpoint, X extends object>(deps: {
  config: Pick<Config, 'tierPricesUsd' | 'optimisticRoutes'>
  discovery: RouteDiscovery<E, X>
}) {
  const memo = new WeakMap<X, { http?: PricedRoute; mcp?: PricedRoute }>()
  /** Routes whose example is not known yet (used by paid requests, which never wait for one). */
  const withoutExample = { http: new Map<string, PricedRoute>(), mcp: new Map<string, PricedRoute>() }

  function priceOf(endpoint: E): string {
    const usdPrice = usdPriceOf(deps.config, endpoint)
    if (usdPrice === null) throw new Error(`${endpoint.path} is free: it has no priced route`)
    return usdPrice
  }

  function build(endpoint: E, door: Door, example: X | undefined): PricedRoute {
    const described = deps.discovery.describe(endpoint, door, example)
    const settle = settleModeOf(deps.config, endpoint.path)
    return {
      path: endpoint.path,
      usdPrice: priceOf(endpoint),
      description: endpoint.description,
      mimeType: 'application/json',
      outputSchema: described.v1OutputSchema,
      settle,
      extensions: {
        ...described.extensions,
        // Safe retries: a client that sends a payment id gets the same answer again without a second charge.
        [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false),
        // Which promise the paid answer carries: settled on chain before it left, or verified and settling.
        'settlement-mode': { info: { mode: settle } },
      },
    }
  }

  /**
   * The priced route for one request. An unpaid request (the one that gets the 402 directories read) waits for the
   * example; a paid one uses it only if it is known already, so paying never waits for (or pays for) the example's
   * computation, and its refusals carry the Bazaar extension without the output example until then.
   */
  async function routeFor(endpoint: E, door: Door, paid: boolean): Promise<PricedRoute> {
    const example = await deps.discovery.example(endpoint, paid)
    if (!example) {
      const routes = withoutExample[door]
      const route = routes.get(endpoint.path) ?? build(endpoint, door, undefined)
      routes.set(endpoint.path, route)
      return route
    }
    const known = memo.get(example) ?? {}
    const cached = known[door] ?? build(endpoint, door, example)
    memo.set(example, { ...known, [door]: cached })
    return cached
  }

  return {
    priceOf,
    http: (endpoint: E, paid: boolean) => routeFor(endpoint, 'http', paid),
    mcp: (endpoint: E, paid: boolean) => routeFor(endpoint, 'mcp', paid),
  }
}
