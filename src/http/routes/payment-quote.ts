import type { Hono } from 'hono'
import type { Config } from '../../config/env'
import type { NetworkConfig } from '../../config/networks'
import { formatUsdMicros, toAtomic } from '../../lib/money'
import type { TmaiQuoteBook } from '../../pricing/tmai-offers'
import type { AppEnv } from '../app-env'

/**
 * Free: what each price tier costs right now, in USDC and (when a fresh rate exists) TMAI, with the rate, its
 * source and age. Payers use it to turn a USD cap into TMAI atomic units before paying.
 */
export function registerPaymentQuoteRoute(
  app: Hono<AppEnv>,
  deps: { config: Config; network: NetworkConfig; tmai?: TmaiQuoteBook },
): void {
  app.get('/v1/payment-quote', async (c) => {
    const tiers = ['tier1', 'tier2', 'tier3'] as const
    const data = []
    let tmaiReason: { reason: string; message: string } | undefined
    for (const tier of tiers) {
      const usdPrice = deps.config.tierPricesUsd[tier]
      const quoted = deps.tmai
        ? await deps.tmai.price(tier, usdPrice, deps.config.maxTimeoutSeconds)
        : undefined
      if (quoted && !quoted.ok) tmaiReason = { reason: quoted.reason, message: quoted.message }
      data.push({
        tier,
        usdPrice,
        usdc: {
          asset: deps.network.usdc.address,
          amount: toAtomic(usdPrice, deps.network.usdc.decimals).toString(),
          decimals: 6,
        },
        tmai:
          quoted?.ok && deps.network.tmai
            ? {
                asset: deps.network.tmai.address,
                amount: quoted.quote.amountAtomic.toString(),
                decimals: deps.network.tmai.decimals,
                discount: quoted.quote.discount,
                usdValue: formatUsdMicros(quoted.quote.usdMicros),
              }
            : null,
        tmaiUsd: quoted?.ok ? quoted.quote.rateUsd : null,
        rateSource: quoted?.ok ? quoted.quote.source : null,
        rateObservedAt: quoted?.ok ? new Date(quoted.quote.observedAt).toISOString() : null,
      })
    }
    return c.json({
      success: true,
      message: tmaiReason ? `TMAI not offered: ${tmaiReason.message}` : 'ok',
      length: data.length,
      data,
      meta: { network: deps.network.caip2, ...(tmaiReason ? { tmaiUnavailable: tmaiReason } : {}) },
    })
  })
}
