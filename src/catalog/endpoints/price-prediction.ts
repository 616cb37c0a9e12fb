import { z } from 'zod'
import { computePricePrediction, DEFAULT_MARKET_SCENARIOS } from '../../analytics/price-prediction'
import { requireSymbol, SymbolSelector, symbolsFrom } from '../params'
import { defineEndpoint } from '../types'
import { dailyUniverse, insufficientHistoryMessage, perSymbol, requireCandles } from '../universe'

const Scenario = z.object({
  TOTAL_MARKET_CAP: z.number(),
  PREDICTED_PRICE_BEAR: z.number(),
  PREDICTED_PRICE_BASE: z.number(),
  PREDICTED_PRICE_MOON: z.number(),
  PREDICTED_MCAP_BEAR: z.number(),
  PREDICTED_MCAP_BASE: z.number(),
  PREDICTED_MCAP_MOON: z.number(),
  PREDICTED_ROI_BEAR: z.number(),
  PREDICTED_ROI_BASE: z.number(),
  PREDICTED_ROI_MOON: z.number(),
})

const PredictionItem = z.object({
  TOKEN_ID: z.string(),
  TOKEN_NAME: z.string(),
  TOKEN_SYMBOL: z.string(),
  DATE: z.string(),
  CURRENT_PRICE: z.number(),
  CURRENT_MARKET_CAP: z.number().nullable(),
  SUPPLY_DATE: z.string(),
  CIRCULATING_SUPPLY: z.number(),
  UNIVERSE_MARKET_CAP: z.number(),
  CURRENT_SHARE: z.number().nullable(),
  UNIVERSE_MARKET_SHARE: z.number(),
  HISTORY_START: z.string(),
  OBSERVATIONS: z.number().int(),
  SHARE_BEAR: z.number(),
  SHARE_BASE: z.number(),
  SHARE_MOON: z.number(),
  PRICE_PREDICTION: z.array(Scenario),
})

const trillions = DEFAULT_MARKET_SCENARIOS.map((t) => `$${t / 1e12}T`).join(', ')

export const pricePredictionEndpoint = defineEndpoint({
  path: '/v1/price-prediction',
  tier: 'tier3',
  summary: 'Scenario price predictions',
  description:
    `What each asset (symbol=BTC,ETH comma list) would be worth if the whole crypto market were ${trillions} and ` +
    'the asset held its historical share of our tracked market cap: SHARE_BEAR/BASE/MOON are the 10th/50th/90th ' +
    'percentiles of its daily share over all history; per scenario PREDICTED_MCAP = share × total, ' +
    'PREDICTED_PRICE = that / CIRCULATING_SUPPLY (cap / close on SUPPLY_DATE, held constant) and PREDICTED_ROI = ' +
    'price / CURRENT_PRICE − 1 (a fraction). DATE, CURRENT_PRICE, CURRENT_MARKET_CAP, CURRENT_SHARE and ' +
    'UNIVERSE_MARKET_CAP are as of the last bar; SUPPLY_DATE is the last day with a market cap estimate, where the ' +
    'share history ends. It equals DATE unless the estimate stopped (then CURRENT_MARKET_CAP and CURRENT_SHARE ' +
    'are null and the ROI is still against the current close). The tracked universe stands in for the whole market ' +
    '(UNIVERSE_MARKET_SHARE 1), which overstates prices by about 1 / its true share. Scenarios, not forecasts. ' +
    'Assets without any market cap history are left out of data and named in the message (200).',
  input: requireSymbol(z.object(SymbolSelector)),
  output: PredictionItem,
  examples: {
    ok: { symbol: 'BTC,ETH' },
    badParameter: { query: { symbol: 'B-T-C' }, parameter: 'symbol' },
    unknownSymbol: { symbol: 'NOPE' },
  },
  requiresMarketData: true,
  methodology:
    'Implied price = percentile share of tracked cap × scenario total / supply on SUPPLY_DATE; ROI against the last close; full precision (docs/methodology.md §Q5).',
  async handle(input, { market }) {
    const universe = await dailyUniverse(market)
    const symbols = symbolsFrom(input)
    for (const symbol of symbols) requireCandles(universe, symbol)
    const { data, tooShort } = perSymbol(
      symbols,
      (symbol) => computePricePrediction(universe.candles, symbol),
      (symbol, p) => ({
        TOKEN_ID: symbol,
        TOKEN_NAME: universe.meta.get(symbol)?.name ?? symbol,
        TOKEN_SYMBOL: symbol,
        DATE: p.asOf,
        CURRENT_PRICE: p.currentPrice,
        CURRENT_MARKET_CAP: p.currentMarketCap,
        SUPPLY_DATE: p.supplyDate,
        CIRCULATING_SUPPLY: p.circulatingSupply,
        UNIVERSE_MARKET_CAP: p.currentUniverseMarketCap,
        CURRENT_SHARE: p.currentShare,
        UNIVERSE_MARKET_SHARE: p.universeMarketShare,
        HISTORY_START: p.historyStart,
        OBSERVATIONS: p.observations,
        SHARE_BEAR: p.shares.bear,
        SHARE_BASE: p.shares.base,
        SHARE_MOON: p.shares.moon,
        PRICE_PREDICTION: p.scenarios.map((s) => ({
          TOTAL_MARKET_CAP: s.totalMarketCap,
          PREDICTED_PRICE_BEAR: s.bear.price,
          PREDICTED_PRICE_BASE: s.base.price,
          PREDICTED_PRICE_MOON: s.moon.price,
          PREDICTED_MCAP_BEAR: s.bear.marketCap,
          PREDICTED_MCAP_BASE: s.base.marketCap,
          PREDICTED_MCAP_MOON: s.moon.marketCap,
          PREDICTED_ROI_BEAR: s.bear.upside,
          PREDICTED_ROI_BASE: s.base.upside,
          PREDICTED_ROI_MOON: s.moon.upside,
        })),
      }),
    )
    return {
      data,
      message: insufficientHistoryMessage(tooShort, 'no bar with a market cap'),
      meta: tooShort.length > 0 ? { insufficientHistory: tooShort } : undefined,
    }
  },
})
