import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LocalSolanaChain, type LocalSolanaChainOptions } from './chain'
import { stringifyJson } from './json'
import { solanaRpcMethods } from './methods'
import { answerJsonRpc, JSON_RPC_ERRORS, parseErrorReply } from './rpc'
import { prepareSolanaDevnet, type SolanaDevnetAccounts } from './setup'

/** The local Solana chain behind an HTTP JSON-RPC endpoint, in this process (tests) or in its own (main.ts). */

/** A Solana transaction is at most 1,232 bytes (~1.7 KB in base64); this leaves room for a batch of them. */
export const MAX_BODY_BYTES = 64 * 1024

export interface SolanaDevnetServerOptions extends LocalSolanaChainOptions {
  /** 0 picks a free port. */
  port: number
  host?: string
}

export interface SolanaDevnetServer {
  rpcUrl: string
  port: number
  chain: LocalSolanaChain
  accounts: SolanaDevnetAccounts
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (declared > limit) return resolve(undefined)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.removeAllListeners('data')
        req.resume()
        resolve(undefined)
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startSolanaDevnetServer(
  options: SolanaDevnetServerOptions,
): Promise<SolanaDevnetServer> {
  const host = options.host ?? '127.0.0.1'
  const chain = new LocalSolanaChain(options)
  const accounts = await prepareSolanaDevnet(chain)
  const methods = solanaRpcMethods(chain)

  const server = createServer(async (req, res) => {
    if (req.method === 'GET' && req.url === '/health') return send(res, 200, 'ok', 'text/plain')
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      return send(res, 405, stringifyJson({ error: 'POST a JSON-RPC 2.0 request' }))
    }
    let text: string | undefined
    try {
      text = await readBody(req, MAX_BODY_BYTES)
    } catch {
      return res.destroy()
    }
    if (text === undefined) {
      res.setHeader('connection', 'close')
      const message = `Request body larger than ${MAX_BODY_BYTES} bytes`
      return send(
        res,
        413,
        stringifyJson({ jsonrpc: '2.0', id: null, error: { code: JSON_RPC_ERRORS.invalidRequest, message } }),
      )
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return send(res, 200, stringifyJson(parseErrorReply()))
    }
    const answer = answerJsonRpc(body, methods)
    if (answer === undefined) {
      res.writeHead(204)
      return res.end()
    }
    send(res, 200, stringifyJson(answer))
  })
  server.requestTimeout = 10_000
  server.headersTimeout = 5_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    rpcUrl: `http://${host}:${port}`,
    port,
    chain,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
