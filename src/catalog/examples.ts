import { sample } from 'openapi-sampler'
import type { MarketStore } from '../market-data/store'
import type { AnswerEndpoint } from './answer'
import { envelopeSchema } from './json-schema'
import type { Endpoint } from './types'

/** An answer envelope as discovery documents show it. */
export interface ExampleOutput {
  success: boolean
  message: string
  length: number
  data: unknown[]
  meta: Record<string, unknown>
}

/**
 * Items of `data` an example keeps: every 402 carries the example in its PAYMENT-REQUIRED header, and v2 clients echo
 * it in their payment header, so it must stay small (Node's fetch refuses response headers over 16 KiB in total); the
 * rest of the envelope is kept whole.
 */
export const EXAMPLE_ITEMS = 1

/**
 * How long a market-data version read stays trusted for the examples: a new ingest shows in them within a second,
 * and a 402 (which carries the example) costs no query.
 */
export const EXAMPLE_VERSION_RECHECK_MS = 1_000

/** Where an example came from: the loaded data, or the output schema when the data cannot answer the example query. */
export type ExampleSource = 'loaded-data' | 'schema-sample'

export interface Example {
  output: ExampleOutput
  source: ExampleSource
}

/**
 * The output example of each endpoint: the real answer to its `examples.ok` query on the loaded data, its `data`
 * cut to {@link EXAMPLE_ITEMS} item. Computed once per market-data version (so a new ingest refreshes it). When
 * the loaded data cannot answer the example query (another universe, no data yet) the example is a deterministic
 * sample of the output schema (openapi-sampler), and `meta.example` says so.
 */
export function createExampleOutputs(deps: { answer: AnswerEndpoint; market: Pick<MarketStore, 'version'> }) {
  const memo = new Map<string, { version: number; example: Promise<Example>; ready?: Example }>()
  const currentVersion = () => deps.market.version({ maxAgeMs: EXAMPLE_VERSION_RECHECK_MS })

  async function compute(endpoint: Endpoint): Promise<Example> {
    const parsed = endpoint.parse(endpoint.examples.ok)
    if (parsed.ok) {
      try {
        const full = JSON.parse(await deps.answer(endpoint, parsed.value)) as ExampleOutput
        const data = full.data.slice(0, EXAMPLE_ITEMS)
        return { output: { ...full, length: data.length, data }, source: 'loaded-data' }
      } catch {
        // The loaded data has no answer to this query: fall through to the schema sample.
      }
    }
    const sampled = sample(envelopeSchema(endpoint) as never, { skipNonRequired: false }) as ExampleOutput
    const data = sampled.data.slice(0, EXAMPLE_ITEMS)
    return {
      output: {
        ...sampled,
        message: 'ok',
        length: data.length,
        data,
        meta: {
          example: 'generated from the output schema: the loaded data cannot answer the example query',
        },
      },
      source: 'schema-sample',
    }
  }

  return {
    /** The example for the current data, computed now if it is not known yet. */
    async exampleOf(endpoint: Endpoint): Promise<Example> {
      const version = await currentVersion()
      const known = memo.get(endpoint.path)
      if (known && known.version === version) return known.example
      const entry: { version: number; example: Promise<Example>; ready?: Example } = {
        version,
        example: compute(endpoint),
      }
      memo.set(endpoint.path, entry)
      entry.example.then(
        (example) => {
          entry.ready = example
        },
        // A failure is not remembered: the next challenge tries again.
        () => memo.delete(endpoint.path),
      )
      return entry.example
    },
    /** The example for the current data if it is already known; never computes (a paid request does not wait). */
    async readyExampleOf(endpoint: Endpoint): Promise<Example | undefined> {
      const version = await currentVersion()
      const known = memo.get(endpoint.path)
      return known && known.version === version ? known.ready : undefined
    },
  }
}

export type ExampleOutputs = ReturnType<typeof createExampleOutputs>
