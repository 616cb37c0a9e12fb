import { type MethodHandler, RpcError } from './methods'

/** JSON-RPC 2.0 over a method table: envelopes, batches, notifications and the standard error codes. */

export const JSON_RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internalError: -32603,
} as const

/** A batch larger than this is refused whole (the body size limit bounds it too). */
export const MAX_BATCH = 32

type Id = string | number | null

interface Reply {
  jsonrpc: '2.0'
  id: Id
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

const failure = (id: Id, code: number, message: string, data?: unknown): Reply => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
})

function validId(value: unknown): value is Id {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
}

/** One call; undefined for a notification (no `id`), which gets no answer. */
function answerOne(request: unknown, methods: Record<string, MethodHandler>): Reply | undefined {
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    return failure(null, JSON_RPC_ERRORS.invalidRequest, 'Invalid request')
  }
  const { jsonrpc, id, method, params } = request as Record<string, unknown>
  const notification = !('id' in request)
  if (jsonrpc !== '2.0' || typeof method !== 'string' || (!notification && !validId(id))) {
    return failure(validId(id) ? id : null, JSON_RPC_ERRORS.invalidRequest, 'Invalid request')
  }
  const replyId = notification ? null : (id as Id)
  const handler = Object.hasOwn(methods, method) ? methods[method] : undefined
  let reply: Reply
  if (!handler) {
    reply = failure(replyId, JSON_RPC_ERRORS.methodNotFound, 'Method not found')
  } else if (params !== undefined && !Array.isArray(params)) {
    reply = failure(replyId, -32602, 'Invalid params: expected an array')
  } else {
    try {
      reply = { jsonrpc: '2.0', id: replyId, result: handler(params) }
    } catch (error) {
      reply =
        error instanceof RpcError
          ? failure(replyId, error.code, error.message, error.data)
          : failure(replyId, JSON_RPC_ERRORS.internalError, `Internal error: ${(error as Error).message}`)
    }
  }
  return notification ? undefined : reply
}

/**
 * Answers a parsed JSON-RPC body (one call or a batch). Undefined when there is nothing to send back (only
 * notifications).
 */
export function answerJsonRpc(
  body: unknown,
  methods: Record<string, MethodHandler>,
): Reply | Reply[] | undefined {
  if (!Array.isArray(body)) return answerOne(body, methods)
  if (body.length === 0) return failure(null, JSON_RPC_ERRORS.invalidRequest, 'Invalid request: empty batch')
  if (body.length > MAX_BATCH) {
    return failure(null, JSON_RPC_ERRORS.invalidRequest, `Invalid request: batch larger than ${MAX_BATCH}`)
  }
  const replies = body.map((request) => answerOne(request, methods)).filter((reply) => reply !== undefined)
  return replies.length > 0 ? replies : undefined
}

export const parseErrorReply = () => failure(null, JSON_RPC_ERRORS.parseError, 'Parse error')
