import type { Address } from 'viem'
import { isAddressEqual } from 'viem'
import type { NetworkConfig } from '../config/networks'
import type { Logger } from '../lib/logger'
import type { TmaiQuoteBook } from '../pricing/tmai-offers'
import { buildOffers, type Offer, offerFromQuote } from '../x402/offers'
import type { PaymentRequirementsV2 } from '../x402/schemas'
import type { Notice } from './types'

export interface RouteOffersDeps {
  network: NetworkConfig
  payTo: Address
  maxTimeoutSeconds: number
  tmai?: TmaiQuoteBook
  logger: Logger
}

/** How often "TMAI left out" is logged while no valid rate exists (every 402 would otherwise log it). */
const TMAI_WARNING_EVERY_MS = 60_000
/** Distinct offer sets kept (routes × preferences × recent quotes); far above what one rate window produces. */
const MAX_OFFER_SETS = 1_000

/** The offers of one request and why one is missing; the same object for every request with the same terms. */
export interface CurrentOffers {
  readonly offers: readonly Offer[]
  readonly notice?: Notice
}

/**
 * The offers of one request to a route: USDC, plus TMAI at a fresh quote unless the payer asked for USDC only; and the
 * TMAI amounts quoted earlier that are still honoured within their window.
 */
export function createRouteOffers(deps: RouteOffersDeps) {
  let lastTmaiWarning = 0
  // Built once per (route, preference, quote): callers (the challenge cache) may key on the object's identity.
  const offerSets = new Map<string, CurrentOffers>()
  const remembered = (key: string, build: () => CurrentOffers): CurrentOffers => {
    const known = offerSets.get(key)
    if (known) return known
    if (offerSets.size >= MAX_OFFER_SETS) offerSets.clear()
    const built = build()
    offerSets.set(key, built)
    return built
  }
  const context = (usdPrice: string) => ({
    network: deps.network,
    payTo: deps.payTo,
    usdPrice,
    maxTimeoutSeconds: deps.maxTimeoutSeconds,
  })

  async function current(
    route: { path: string; usdPrice: string },
    preference: 'usdc' | 'tmai' | undefined,
  ): Promise<CurrentOffers> {
    const ctx = context(route.usdPrice)
    const base = `${route.path}|${route.usdPrice}|${preference}`
    if (!deps.tmai || preference === 'usdc')
      return remembered(base, () => ({ offers: buildOffers(ctx, { preference }) }))
    const quoted = await deps.tmai.quote(route.path, route.usdPrice, deps.maxTimeoutSeconds)
    if (quoted.ok) {
      const { amountAtomic, rateUsd, source } = quoted.quote
      return remembered(`${base}|${source}|${rateUsd}|${amountAtomic}`, () => ({
        offers: buildOffers(ctx, { tmai: quoted.quote, preference }),
      }))
    }
    if (Date.now() - lastTmaiWarning > TMAI_WARNING_EVERY_MS) {
      lastTmaiWarning = Date.now()
      deps.logger.warn('TMAI offer left out: no valid TMAI/USD price', {
        reason: quoted.reason,
        detail: quoted.message,
      })
    }
    return remembered(`${base}|none|${quoted.reason}|${quoted.message}`, () => ({
      offers: buildOffers(ctx),
      notice: {
        key: 'tmai-offer',
        info: { available: false, reason: quoted.reason, message: quoted.message },
      },
    }))
  }

  /**
   * A TMAI amount we quoted for this route earlier is honoured until that quote's window closes. Asked before
   * matching (the quote book may live outside this process), and only for a TMAI amount no current offer has.
   */
  async function honoured(
    route: { path: string; usdPrice: string },
    accepted: PaymentRequirementsV2,
    current: readonly Offer[],
  ): Promise<Offer[]> {
    const tmai = deps.network.tmai
    if (!deps.tmai || !tmai || !isAddressEqual(accepted.asset, tmai.address)) return []
    const amount = BigInt(accepted.amount)
    if (current.some((o) => isAddressEqual(o.asset.address, tmai.address) && o.amountAtomic === amount))
      return []
    const quote = await deps.tmai.find(route.path, amount)
    const offer = quote ? offerFromQuote(context(route.usdPrice), quote) : undefined
    return offer ? [offer] : []
  }

  return { current, honoured }
}

export type RouteOffers = ReturnType<typeof createRouteOffers>
