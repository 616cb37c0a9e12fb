/**
 * TMAI/USD from a CoinGecko-style "simple price" endpoint:
 * `GET {baseUrl}/api/v3/simple/price?ids=token-metrics-ai&vs_currencies=usd&include_last_updated_at=true`
 * → `{"token-metrics-ai":{"usd":0.000705,"last_updated_at":1732233600}}`.
 * @see https://docs.coingecko.com/v3.0.1/reference/simple-price
 */
import { z } from 'zod'
import { fetchJson } from '../../market-data/sources/http-client'
import { type PriceReading, PriceSourceError, type TmaiPriceSource } from './port'

export const COINGECKO_TMAI_ID = 'token-metrics-ai'

export interface HttpPriceSourceOptions {
  /** API origin, e.g. https://api.coingecko.com (`TMAI_PRICE_API_URL`). */
  baseUrl: string
  /** @default 'token-metrics-ai' */
  coinId?: string
  /** Per request, body included. @default 5000 */
  timeoutMs?: number
  /** Retries after the first attempt; the guarded feed's next refresh is the real retry. @default 0 */
  retries?: number
  /** Extra request headers, e.g. an API key (`x-cg-demo-api-key`). Never logged. */
  headers?: Record<string, string>
  fetch?: typeof fetch
}

/**
 * @throws {SourceHttpError} a non-2xx status or a network error
 * @throws {SourceTimeoutError} no complete answer within `timeoutMs`
 * @throws {SourcePayloadError} not JSON, or not the simple-price shape for `coinId`
 * @throws {PriceSourceError} `bad_response`: a price JSON cannot express as a plain decimal
 */
export function createHttpPriceSource(options: HttpPriceSourceOptions): TmaiPriceSource {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const coinId = options.coinId ?? COINGECKO_TMAI_ID
  const params = new URLSearchParams({ ids: coinId, vs_currencies: 'usd', include_last_updated_at: 'true' })
  const url = `${baseUrl}/api/v3/simple/price?${params}`
  const schema = z.looseObject({
    [coinId]: z.looseObject({
      usd: z.number().finite().nonnegative(),
      last_updated_at: z.number().int().positive(),
    }),
  })

  return {
    async read(): Promise<PriceReading> {
      const body = await fetchJson(url, {
        schema,
        timeoutMs: options.timeoutMs ?? 5000,
        retries: options.retries ?? 0,
        headers: { 'user-agent': 'x402-analytics/0.1 (tmai price)', ...options.headers },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
      const entry = body[coinId]!
      let usd: string
      try {
        usd = numberToDecimalString(entry.usd)
      } catch (cause) {
        throw new PriceSourceError({
          source: 'http-api',
          code: 'bad_response',
          message: `price ${entry.usd} from ${url} is not a usable decimal`,
          cause,
        })
      }
      return {
        usd,
        observedAt: entry.last_updated_at * 1000,
        source: 'http-api',
        detail: { url, coinId, lastUpdatedAt: new Date(entry.last_updated_at * 1000).toISOString() },
      }
    },
  }
}

/**
 * A finite non-negative JSON number as a plain decimal string: the shortest digits that round-trip (what the server
 * most likely sent), with any exponent expanded (7.05e-7 → "0.000000705", 1e21 → "1000000000000000000000").
 */
export function numberToDecimalString(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a finite non-negative number: ${value}`)
  const text = value.toString()
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (!match) return text
  const [, whole = '', fraction = '', exponentText = '0'] = match
  const digits = `${whole}${fraction}`
  // The decimal point sits after `whole`; move it `exponent` places.
  const point = whole.length + Number(exponentText)
  // toString's mantissa never ends in 0, so no trailing zeros to strip.
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}
