import { paymentRequiredV1, paymentRequiredV2, type ResourceDescription } from '../x402/offers'
import { Reason } from '../x402/reasons'
import type { CurrentOffers } from './route-offers'
import type { Challenge, ChallengeTemplate, PricedRoute } from './types'

/** Stands for the resource URL in a cached challenge (a space can never occur in a real URL). */
export const RESOURCE_URL_SLOT = 'x402-analytics resource-url slot'

export function resourceOf(route: PricedRoute, url: string): ResourceDescription {
  return { url, description: route.description, mimeType: route.mimeType, outputSchema: route.outputSchema }
}

/** The 402 for one route, offer set and reason, with the resource URL as a slot. */
function buildTemplate(route: PricedRoute, current: CurrentOffers, reason: string): ChallengeTemplate {
  const resource = resourceOf(route, RESOURCE_URL_SLOT)
  const { notice } = current
  const extensions = {
    ...route.extensions,
    ...(notice ? { [notice.key]: { info: notice.info } } : {}),
  }
  return {
    urlSlot: RESOURCE_URL_SLOT,
    offers: current.offers,
    notice,
    v1: paymentRequiredV1([...current.offers], { resource, error: reason }),
    v2: paymentRequiredV2([...current.offers], {
      resource,
      error: reason === Reason.paymentRequired ? 'Payment required' : reason,
      extensions: Object.keys(extensions).length > 0 ? extensions : undefined,
    }),
  }
}

function getOrSet<K, V>(
  map: { get(key: K): V | undefined; set(key: K, value: V): unknown },
  key: K,
  build: () => V,
): V {
  const found = map.get(key)
  if (found !== undefined) return found
  const built = build()
  map.set(key, built)
  return built
}

/**
 * Challenges built once per (route, offer set, reason) and reused: a request only fills in its resource URL. The
 * offer set is the route-offers object (the same one for as long as the terms, TMAI quote included, stay the same),
 * so a new quote or rate makes a new template and nothing stale is ever served.
 */
export function createChallengeCache() {
  const templates = new WeakMap<PricedRoute, WeakMap<CurrentOffers, Map<string, ChallengeTemplate>>>()

  function templateFor(route: PricedRoute, current: CurrentOffers, reason: string): ChallengeTemplate {
    const byOffers = getOrSet(templates, route, () => new WeakMap())
    const byReason = getOrSet(byOffers, current, () => new Map())
    return getOrSet(byReason, reason, () => buildTemplate(route, current, reason))
  }

  /** The challenge for `url`: the cached template with the URL filled in (same shape as building it afresh). */
  function challenge(
    route: PricedRoute,
    { url, current, reason }: { url: string; current: CurrentOffers; reason: string },
  ): Challenge {
    const template = templateFor(route, current, reason)
    return {
      offers: template.offers,
      v1: { ...template.v1, accepts: template.v1.accepts.map((a) => ({ ...a, resource: url })) },
      v2: { ...template.v2, resource: { ...template.v2.resource, url } },
      notice: template.notice,
      template,
    }
  }

  return { challenge }
}

export type ChallengeCache = ReturnType<typeof createChallengeCache>
