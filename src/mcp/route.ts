import type { Env, Hono } from 'hono'
import { createMcpDoor, type McpDeps } from './server'

/**
 * `/mcp`: the MCP door on the same app (Streamable HTTP, stateless). POST carries JSON-RPC; with no sessions there is
 * no server-initiated stream to GET and nothing to DELETE, so those get 405 as the MCP transport spec allows.
 */
export function registerMcpRoute<E extends Env>(app: Hono<E>, deps: McpDeps): void {
  const door = createMcpDoor(deps)
  app.post('/mcp', (c) => door.handle(c.req.raw))
  app.on(['GET', 'DELETE'], '/mcp', (c) =>
    c.json(
      {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'stateless server: POST JSON-RPC to /mcp' },
        id: null,
      },
      405,
      { Allow: 'POST' },
    ),
  )
}
