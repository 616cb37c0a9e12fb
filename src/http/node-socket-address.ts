import { getConnInfo } from '@hono/node-server/conninfo'
import type { SocketAddress } from './client-address'

/** Node only: the peer of the request's socket (@hono/node-server). `app.request` in tests has none. */
export const nodeSocketAddress: SocketAddress = (c) => {
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}
