import { ApiError } from '../lib/errors'
import { ResultCache } from './result-cache'
import type { Endpoint, EndpointDeps } from './types'

/** The JSON body an endpoint answers for a parsed input, or an ApiError (no data, unknown symbol, …). */
export type AnswerEndpoint = (endpoint: Endpoint, input: unknown) => Promise<string>

/**
 * The one way any door (an HTTP route, an MCP tool, a discovery example) gets an endpoint's answer: run it on the
 * stored data and wrap it in the envelope `{ success, message, length, data, meta }`, through one shared result cache.
 */
export function createEndpointAnswers(deps: EndpointDeps & { cache: ResultCache }): AnswerEndpoint {
  const { market, config, cache } = deps
  return async function answer(endpoint, input) {
    const version = await market.version()
    return cache.getOrCompute(ResultCache.key(endpoint.path, input, version), async () => {
      const result = await endpoint.run(input, { market, config })
      // A paid answer with nothing in it is not sold: 404, and the payment core releases the payment.
      if (result.data.length === 0 && endpoint.tier !== 'free') {
        throw new ApiError(
          'noData',
          `nothing to return: ${result.message ?? 'no rows match this query'}; nothing was charged`,
          result.meta ?? {},
        )
      }
      return JSON.stringify({
        success: true,
        message: result.message ?? 'ok',
        length: result.data.length,
        data: result.data,
        meta: {
          asOf: await market.asOf(),
          source: await market.source(),
          ...(endpoint.methodology ? { methodology: endpoint.methodology } : {}),
          ...result.meta,
        },
      })
    })
  }
}
