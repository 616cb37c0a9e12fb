import type { Hono } from 'hono'
import { createMcpDoor, type McpDeps } from '../mcp/server'
import type { AppEnv } from './app-env'
import { API_VERSION } from './discovery/routes'

/**
 * `/mcp`: the MCP door on the same app (Streamable HTTP, stateless). POST carries JSON-RPC; with no sessions there is
 * no server-initiated stream to GET and nothing to DELETE, so those get 405 as the MCP transport spec allows.
 */
export function registerMcpRoute(app: Hono<AppEnv>, deps: Omit<McpDeps, 'version'>): void {
  const door = createMcpDoor({ ...deps, version: API_VERSION })
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
