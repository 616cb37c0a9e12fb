import { NETWORKS } from '../config/networks'
import { formatAtomic, parseDecimal } from '../lib/money'
import { maxTokenAmountForUsd } from '../pricing/quote'

/** One v2 offer as a 402 lists it. */
export interface Offer {
  scheme: string
  network: string
  asset: string
  amount: string
  payTo: string
  maxTimeoutSeconds: number
  extra: Record<string, unknown>
}

export type TokenSymbol = 'USDC' | 'TMAI'

export const TOKEN_DECIMALS: Record<TokenSymbol, number> = { USDC: 6, TMAI: 18 }

/** Which of our tokens an offer is for (by network and address), if any. */
export function assetSymbol(offer: Pick<Offer, 'network' | 'asset'>): TokenSymbol | undefined {
  for (const network of Object.values(NETWORKS)) {
    if (network.caip2 !== offer.network) continue
    if (network.usdc.address.toLowerCase() === offer.asset.toLowerCase()) return 'USDC'
    if (network.tmai?.address.toLowerCase() === offer.asset.toLowerCase()) return 'TMAI'
  }
  return undefined
}

/** The token's USD rate and the offer's USD value (micro-dollars). USDC is 1:1; TMAI uses the server's published rate. */
export async function usdValueOf(
  offer: Offer,
  base: string,
): Promise<{ tokenUsd: string; micros: bigint } | undefined> {
  if (assetSymbol(offer) === 'USDC') return { tokenUsd: '1', micros: BigInt(offer.amount) }
  const quote = await fetch(new URL('/v1/payment-quote', base))
    .then((r) => (r.ok ? (r.json() as Promise<{ data?: { tmaiUsd?: string }[] }>) : undefined))
    .catch(() => undefined)
  const rate = quote?.data?.[0]?.tmaiUsd
  if (!rate) return undefined
  const { numerator, denominator } = parseDecimal(rate)
  // value in micro-USD = amount × rate × 10^6 / 10^18
  return {
    tokenUsd: rate,
    micros: (BigInt(offer.amount) * numerator * 10n ** 6n) / (denominator * 10n ** 18n),
  }
}

/** An offer valued in USD against a per-call cap: what it costs, the cap in the token's units, and whether it fits. */
export type OfferValuation =
  | { priced: false; message: string }
  | { priced: true; withinCap: boolean; micros: bigint; capAtomic: bigint; line: string; message: string }

/**
 * Values an offer in USD and converts a USD cap into the token's atomic units (6 decimals for USDC, 18 for TMAI),
 * rounded down so the cap never allows more than the USD it says.
 */
export async function valueOfferAgainstCap(
  offer: Offer,
  base: string,
  maxUsd: string,
): Promise<OfferValuation> {
  const symbol = assetSymbol(offer)
  if (!symbol) return { priced: false, message: `unknown asset ${offer.asset} on ${offer.network}` }
  const value = await usdValueOf(offer, base)
  if (value === undefined)
    return { priced: false, message: `cannot value the ${symbol} offer in USD (no TMAI rate published)` }
  const decimals = TOKEN_DECIMALS[symbol]
  const capAtomic = maxTokenAmountForUsd({ usdCap: maxUsd, tokenUsd: value.tokenUsd, decimals })
  const line = `${formatAtomic(BigInt(offer.amount), decimals)} ${symbol} (${offer.amount} atomic, ≈ $${formatAtomic(value.micros, 6)})`
  const withinCap = BigInt(offer.amount) <= capAtomic
  return {
    priced: true,
    withinCap,
    micros: value.micros,
    capAtomic,
    line,
    message: withinCap
      ? `pays ${line}`
      : `refusing to pay ${line}: above --max-usd ${maxUsd} (${capAtomic} atomic)`,
  }
}
