/**
 * TEST-ONLY: a JSON-RPC proxy on a real loopback port in front of the devnet, for faults a real node in a bad state
 * produces: another chain's id, an HTTP error, an oversized answer. Every request is forwarded as it came; `tamper`
 * may answer a call itself instead (or change how the upstream answer is sent).
 */
import { createServer, type IncomingMessage } from 'node:http'

export interface RpcCall {
  method: string
  params: unknown[]
  id: unknown
}

/** What the proxy does with one call: forward it (undefined), answer it, fail the HTTP request, or pad the answer. */
export type Tampering =
  | undefined
  | { result: unknown }
  | { httpStatus: number }
  /** Forward, then send the upstream answer with this many spaces of JSON whitespace after it. */
  | { padBytes: number }

export interface RpcProxy {
  url: string
  /** Calls seen, by method. */
  calls: Map<string, number>
  tamper: (call: RpcCall) => Tampering
  close(): Promise<void>
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startRpcProxy(upstream: string): Promise<RpcProxy> {
  const proxy: RpcProxy = { url: '', calls: new Map(), tamper: () => undefined, close: async () => {} }
  const server = createServer(async (req, res) => {
    const raw = await bodyOf(req)
    const parsed = JSON.parse(raw) as RpcCall | RpcCall[]
    const calls = Array.isArray(parsed) ? parsed : [parsed]
    for (const call of calls) proxy.calls.set(call.method, (proxy.calls.get(call.method) ?? 0) + 1)
    const tampered = calls.map((call) => proxy.tamper(call))
    const failure = tampered.find((t) => t && 'httpStatus' in t) as { httpStatus: number } | undefined
    if (failure) {
      res.writeHead(failure.httpStatus, { 'content-type': 'text/plain' }).end('upstream unavailable')
      return
    }
    const answers = await Promise.all(
      calls.map(async (call, i) => {
        const t = tampered[i]
        if (t && 'result' in t) return { jsonrpc: '2.0', id: call.id, result: t.result }
        const upstreamRes = await fetch(upstream, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(call),
        })
        return upstreamRes.json()
      }),
    )
    const pad = tampered.reduce((sum, t) => sum + (t && 'padBytes' in t ? t.padBytes : 0), 0)
    const json = JSON.stringify(Array.isArray(parsed) ? answers : answers[0])
    res.writeHead(200, { 'content-type': 'application/json' })
    if (pad === 0) {
      res.end(json)
      return
    }
    // Streamed without a Content-Length, as a hostile node would: only counting the bytes can stop it.
    res.write(json)
    const chunk = ' '.repeat(64 * 1024)
    let left = pad
    const more = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length)
        left -= n
        if (!res.write(n === chunk.length ? chunk : chunk.slice(0, n))) return void res.once('drain', more)
      }
      res.end()
    }
    res.on('error', () => {})
    more()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}
