import type { z } from 'zod'
import type { Config } from '../config/env'
import type { MarketStore } from '../market-data/store'
import type { Tier } from '../pricing/tiers'
import { MAX_PARAM_CHARS, oversizedParameter } from './params'

export interface EndpointDeps {
  market: MarketStore
  config: Config
}

export interface EndpointResult<T> {
  data: T[]
  message?: string
  /** Merged into the envelope's `meta`. */
  meta?: Record<string, unknown>
}

/**
 * One endpoint, declared once: drives the route, its price tier, the 402 offers and discovery metadata, input
 * validation (a 400 naming the parameter) and the output schema.
 */
export interface EndpointDefinition<I, O> {
  path: `/v1/${string}`
  tier: Tier
  summary: string
  description: string
  input: z.ZodType<I>
  /** Schema of one item of `data`. */
  output: z.ZodType<O>
  /** Answer 503 `market_data_unavailable` (before any 402) when the store is empty. */
  requiresMarketData: boolean
  /** Short statement of the method, surfaced as `meta.methodology` (details in docs/methodology.md). */
  methodology?: string
  /**
   * Example queries: `ok` must succeed on the bundled data, `badParameter` must be refused naming `parameter`,
   * `unknownSymbol` must be a 404. Used by the docs, the benchmark and the catalog-wide tests.
   */
  examples: {
    ok: Record<string, string>
    badParameter?: { query: Record<string, string>; parameter: string }
    unknownSymbol?: Record<string, string>
  }
  handle(input: I, deps: EndpointDeps): Promise<EndpointResult<O>>
}

export type ParsedInput = { ok: true; value: unknown } | { ok: false; parameter: string; message: string }

/** A catalog entry with its input type erased, so the list can hold every endpoint. */
export interface Endpoint extends Omit<EndpointDefinition<unknown, unknown>, 'handle' | 'input'> {
  input: z.ZodType
  parse(query: Record<string, string>): ParsedInput
  run(input: unknown, deps: EndpointDeps): Promise<EndpointResult<unknown>>
}

export function defineEndpoint<I, O>(definition: EndpointDefinition<I, O>): Endpoint {
  const { handle, ...rest } = definition
  return {
    ...rest,
    parse(query) {
      const oversized = oversizedParameter(query)
      if (oversized !== undefined)
        return {
          ok: false,
          parameter: oversized,
          message: `${oversized}: at most ${MAX_PARAM_CHARS} characters`,
        }
      const parsed = definition.input.safeParse(query)
      if (parsed.success) return { ok: true, value: parsed.data }
      const issue = parsed.error.issues[0]
      const parameter = String(issue?.path[0] ?? 'query')
      return { ok: false, parameter, message: `${parameter}: ${issue?.message ?? 'invalid'}` }
    },
    run: (input, deps) => handle(input as I, deps),
  }
}
