import type { Address } from 'viem'
import type { AssetConfig, NetworkConfig } from '../config/networks'
import { toAtomic, type UsdMicros, usdMicros } from '../lib/money'
import type { TmaiQuote } from '../pricing/tmai-offers'
import type {
  PaymentRequiredV1,
  PaymentRequiredV2,
  PaymentRequirementsV1,
  PaymentRequirementsV2,
} from './schemas'

/** One way to pay for one request: the terms we rebuild and compare every payment against. */
export interface Offer {
  scheme: 'exact'
  network: NetworkConfig
  asset: AssetConfig
  amountAtomic: bigint
  usdPrice: string
  /** What this payment is worth (for spend limits and the ledger): the list price, less any discount. */
  usdMicros: UsdMicros
  /** For tokens quoted against USD (TMAI): the discount and rate behind `amountAtomic`. */
  quote?: { discount: string; rateUsd: string; source: string; observedAt: number; expiresAt: number }
  payTo: Address
  maxTimeoutSeconds: number
}

export interface OfferContext {
  network: NetworkConfig
  payTo: Address
  usdPrice: string
  maxTimeoutSeconds: number
}

/** The offers for a paid request, most preferred first: USDC, then TMAI when a valid quote exists. */
export function buildOffers(
  ctx: OfferContext,
  options: { tmai?: TmaiQuote; preference?: 'usdc' | 'tmai' } = {},
): Offer[] {
  const usdc = ctx.network.usdc
  const usdcOffer: Offer = {
    scheme: 'exact',
    network: ctx.network,
    asset: usdc,
    amountAtomic: toAtomic(ctx.usdPrice, usdc.decimals),
    usdPrice: ctx.usdPrice,
    usdMicros: usdMicros(ctx.usdPrice),
    payTo: ctx.payTo,
    maxTimeoutSeconds: ctx.maxTimeoutSeconds,
  }
  if (options.preference === 'usdc' || !options.tmai) return [usdcOffer]
  const tmaiOffer = offerFromQuote(ctx, options.tmai)
  if (!tmaiOffer) return [usdcOffer]
  return options.preference === 'tmai' ? [tmaiOffer, usdcOffer] : [usdcOffer, tmaiOffer]
}

/** The TMAI offer a quote stands for (also used to honour a quote made earlier at another rate). */
export function offerFromQuote(ctx: OfferContext, quote: TmaiQuote): Offer | undefined {
  const tmai = ctx.network.tmai
  if (!tmai) return undefined
  return {
    scheme: 'exact',
    network: ctx.network,
    asset: tmai,
    amountAtomic: quote.amountAtomic,
    usdPrice: ctx.usdPrice,
    usdMicros: quote.usdMicros,
    quote: {
      discount: quote.discount,
      rateUsd: quote.rateUsd,
      source: quote.source,
      observedAt: quote.observedAt,
      expiresAt: quote.expiresAt,
    },
    payTo: ctx.payTo,
    maxTimeoutSeconds: ctx.maxTimeoutSeconds,
  }
}

function offerExtra(offer: Offer): Record<string, unknown> {
  if (offer.asset.transferMethod === 'permit2') return { assetTransferMethod: 'permit2' }
  return { name: offer.asset.eip712?.name, version: offer.asset.eip712?.version }
}

export function toRequirementsV2(offer: Offer): PaymentRequirementsV2 {
  return {
    scheme: offer.scheme,
    network: offer.network.caip2,
    asset: offer.asset.address,
    amount: offer.amountAtomic.toString(),
    payTo: offer.payTo,
    maxTimeoutSeconds: offer.maxTimeoutSeconds,
    extra: offerExtra(offer),
  }
}

export interface ResourceDescription {
  url: string
  description: string
  mimeType: string
  /** v1 discovery block: how to call the resource and what comes back. */
  outputSchema: Record<string, unknown>
}

export function toRequirementsV1(offer: Offer, resource: ResourceDescription): PaymentRequirementsV1 {
  return {
    scheme: offer.scheme,
    network: offer.network.v1Name,
    maxAmountRequired: offer.amountAtomic.toString(),
    resource: resource.url,
    description: resource.description,
    mimeType: resource.mimeType,
    outputSchema: resource.outputSchema,
    payTo: offer.payTo,
    maxTimeoutSeconds: offer.maxTimeoutSeconds,
    asset: offer.asset.address,
    extra: offerExtra(offer),
  }
}

/** Only EIP-3009 assets can be paid by a v1 client. */
export const isV1Payable = (offer: Offer): boolean => offer.asset.transferMethod === 'eip3009'

/** What a 402 says besides its offers: the resource, the error (a reason), and v2 extensions. */
export interface PaymentRequiredContext {
  resource: ResourceDescription
  error: string
  extensions?: Record<string, unknown>
}

export function paymentRequiredV1(
  offers: Offer[],
  { resource, error }: PaymentRequiredContext,
): PaymentRequiredV1 {
  return {
    x402Version: 1,
    error,
    accepts: offers.filter(isV1Payable).map((o) => toRequirementsV1(o, resource)),
  }
}

export function paymentRequiredV2(
  offers: Offer[],
  { resource, error, extensions }: PaymentRequiredContext,
): PaymentRequiredV2 {
  return {
    x402Version: 2,
    error,
    resource: { url: resource.url, description: resource.description, mimeType: resource.mimeType },
    accepts: offers.map(toRequirementsV2),
    ...(extensions ? { extensions } : {}),
  }
}
