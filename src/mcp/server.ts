import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js'
import type { AnswerEndpoint } from '../catalog/answer'
import type { Endpoint, ParsedInput } from '../catalog/types'
import { ApiError, errorBody, messageOf } from '../lib/errors'
import type { Logger } from '../lib/logger'
import type { MarketStore } from '../market-data/store'
import type { PaidRequestCore } from '../paid/core'
import { RETRY_AFTER_PENDING_SECONDS } from '../paid/refusals'
import type { HandlerResult, PaidRequestInput, PricedRoute } from '../paid/types'
import {
  answerResult,
  challengeResult,
  errorResult,
  MCP_META,
  pendingResult,
  refusalResult,
  replayResult,
} from './results'
import { argumentsToQuery, type CatalogTool, catalogTools } from './tools'

export interface McpDeps {
  endpoints: readonly Endpoint[]
  priceOf: (endpoint: Endpoint) => string | null
  /** The priced route of a paid endpoint as MCP challenges show it (Bazaar's MCP flavour); `paid`: a payment came. */
  routeOf: (endpoint: Endpoint, paid: boolean) => Promise<PricedRoute>
  answer: AnswerEndpoint
  market: Pick<MarketStore, 'hasData'>
  paid: Pick<PaidRequestCore, 'begin' | 'complete'>
  logger: Logger
  version: string
}

/** The body of an endpoint's answer or error, as the handler result the core settles or releases on. */
async function runEndpoint(
  answer: AnswerEndpoint,
  endpoint: Endpoint,
  input: unknown,
): Promise<HandlerResult> {
  try {
    return { status: 200, body: await answer(endpoint, input), contentType: 'application/json' }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return {
      status: error.status,
      body: JSON.stringify(errorBody(error.code, error.message, error.details)),
      contentType: 'application/json',
    }
  }
}

/**
 * The MCP door: every catalog endpoint as a tool. A paid tool goes through the same paid-request core as HTTP (`begin`
 * with transport `mcp` and the `_meta["x402/payment"]` object, `complete` with the tool's answer), so reservation,
 * spend limits, idempotency, settlement and the ledger are the HTTP ones; only the rendering differs.
 */
export function createMcpDoor(deps: McpDeps) {
  const tools = catalogTools(deps.endpoints, deps.priceOf)
  const byName = new Map(tools.map((t) => [t.tool.name, t]))

  async function callTool(request: CallToolRequest): Promise<CallToolResult> {
    const entry = byName.get(request.params.name)
    // An unknown tool is a protocol error (MCP spec), not a tool result.
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${request.params.name}`)
    const { endpoint } = entry
    if (endpoint.requiresMarketData && !(await deps.market.hasData())) {
      return errorResult({
        code: 503,
        error: 'market_data_unavailable',
        message: 'no market data is loaded yet; nothing was charged',
      })
    }
    const args = argumentsToQuery(request.params.arguments)
    const parsed = args.ok ? endpoint.parse(args.query) : args
    if (entry.usdPrice === null) {
      if (!parsed.ok)
        return errorResult({
          code: 400,
          error: 'invalid_parameter',
          message: parsed.message,
          details: { parameter: parsed.parameter },
        })
      const done = await runEndpoint(deps.answer, endpoint, parsed.value)
      return answerResult(done)
    }
    return callPaidTool(entry, request, { query: args.ok ? args.query : {}, parsed })
  }

  async function callPaidTool(
    entry: CatalogTool,
    request: CallToolRequest,
    { query, parsed }: { query: Record<string, string>; parsed: ParsedInput },
  ): Promise<CallToolResult> {
    const { endpoint, tool } = entry
    const payment = request.params._meta?.[MCP_META.payment]
    const input: PaidRequestInput = {
      route: await deps.routeOf(endpoint, payment !== undefined),
      transport: 'mcp',
      resourceUrl: `mcp://tool/${tool.name}`,
      payment: payment === undefined ? undefined : { version: 2, object: payment },
      input: parsed.ok ? { ok: true } : { ok: false, parameter: parsed.parameter, message: parsed.message },
      // What the payment buys is the same as `GET <path>?<query>`: one request key for both doors.
      request: { method: 'GET', path: endpoint.path, query: new URLSearchParams(query).toString(), body: '' },
    }
    const begun = await deps.paid.begin(input)
    switch (begun.kind) {
      case 'challenge':
        return challengeResult(begun.challenge, begun.message)
      case 'refusal':
        return refusalResult(begun.refusal)
      case 'replay':
        return replayResult(begun.response)
      case 'pending':
        return pendingResult(begun.pending, RETRY_AFTER_PENDING_SECONDS)
    }
    // Never throws past here without `complete`: an unexpected fault still releases the payment.
    let result: HandlerResult
    try {
      result = await runEndpoint(deps.answer, endpoint, parsed.ok ? parsed.value : undefined)
    } catch (error) {
      deps.logger.error('tool failed', { tool: tool.name, error: messageOf(error) })
      result = {
        status: 500,
        body: JSON.stringify(errorBody('internal_error', 'internal error; nothing was charged')),
        contentType: 'application/json',
      }
    }
    const done = await deps.paid.complete(begun.handle, result)
    switch (done.kind) {
      case 'settled':
      case 'served':
        return answerResult({ ...result, settlement: done.settlement.response })
      case 'released':
      case 'undelivered':
        return answerResult(result)
      case 'pending':
        return pendingResult(done.pending, RETRY_AFTER_PENDING_SECONDS)
      case 'failed':
        return refusalResult(done.refusal)
    }
  }

  /** A fresh MCP server (the SDK's low-level one: our JSON Schemas go out as they are). */
  function createServer(): Server {
    const server = new Server(
      { name: 'x402-analytics', version: deps.version },
      {
        capabilities: { tools: {} },
        instructions:
          'Crypto analytics tools. Paid tools answer an unpaid call with the x402 payment requirements (isError, structuredContent); pay with an x402 client and call again with the payment in _meta["x402/payment"].',
      },
    )
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: tools.map((t) => t.tool) }))
    server.setRequestHandler(CallToolRequestSchema, (request) => callTool(request))
    return server
  }

  /**
   * Streamable HTTP, stateless, with the SDK's Web-standard transport (Request → Response, so it runs on Node and on
   * Workers): a server and transport per request, JSON responses rather than SSE streams.
   */
  async function handle(request: Request): Promise<Response> {
    const server = createServer()
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: 1024 * 1024,
    })
    await server.connect(transport)
    try {
      return await transport.handleRequest(request)
    } finally {
      await transport.close().catch(() => {})
      await server.close().catch(() => {})
    }
  }

  return { tools, callTool, createServer, handle }
}

export type McpDoor = ReturnType<typeof createMcpDoor>
