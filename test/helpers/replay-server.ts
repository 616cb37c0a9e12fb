/**
 * TEST-ONLY helpers: a real node:http server on 127.0.0.1 (random port) that replays hand-written payloads from
 * `test/fixtures/market-data/`, plus small simulators of each source's paging semantics. Not imported by app code.
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReplayRequest {
  /** 1-based, in arrival order. */
  n: number
  path: string
  query: URLSearchParams
}

export interface ReplayResponse {
  status?: number
  headers?: Record<string, string>
  /** Serialised as JSON. */
  json?: unknown
  /** Raw body, when `json` is not given. */
  body?: string
  /** Hold the response this long (timeouts). */
  delayMs?: number
}

export type ReplayHandler = (request: ReplayRequest) => ReplayResponse | Promise<ReplayResponse>

export interface ReplayServer {
  baseUrl: string
  requests: ReplayRequest[]
  /** Swap the behaviour between runs. */
  setHandler(handler: ReplayHandler): void
  close(): Promise<void>
}

export async function startReplayServer(handler: ReplayHandler): Promise<ReplayServer> {
  let current = handler
  const requests: ReplayRequest[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const request = { n: requests.length + 1, path: url.pathname, query: url.searchParams }
    requests.push(request)
    Promise.resolve(current(request))
      .then(async (reply) => {
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs))
        if (res.destroyed) return
        const body = reply.json === undefined ? (reply.body ?? '') : JSON.stringify(reply.json)
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
        res.end(body)
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`replay handler crashed: ${String(error)}`)
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    setHandler: (next) => {
      current = next
    },
    /** Idempotent, so `afterEach` may close a server a test already closed. */
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve()
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** Parsed JSON fixture from `test/fixtures/market-data/`. */
export function loadFixture<T = unknown>(name: string): T {
  const url = new URL(`../fixtures/market-data/${name}`, import.meta.url)
  return JSON.parse(readFileSync(url, 'utf8')) as T
}

type KlineRow = [number, ...unknown[]]

/** Binance `/api/v3/klines`: rows with startTime <= openTime <= endTime, ascending, at most `limit`. */
export function binanceKlines(rowsByPair: Record<string, KlineRow[]>): ReplayHandler {
  return ({ path, query }) => {
    const rows = rowsByPair[query.get('symbol') ?? '']
    if (path !== '/api/v3/klines' || !rows)
      return { status: 400, json: { code: -1121, msg: 'Invalid symbol.' } }
    const start = Number(query.get('startTime') ?? 0)
    const end = Number(query.get('endTime') ?? Number.MAX_SAFE_INTEGER)
    const limit = Number(query.get('limit') ?? 500)
    return { json: rows.filter(([open]) => open >= start && open <= end).slice(0, limit) }
  }
}

type CoinbaseRow = [number, number, number, number, number, number]

/**
 * Coinbase `/products/{id}/candles`: rows with start <= time <= end (inclusive), NEWEST FIRST; like the real API it
 * rejects a range of more than `maxCandles` bars with a 400.
 */
export function coinbaseCandles(
  rowsByProduct: Record<string, CoinbaseRow[]>,
  maxCandles = 300,
): ReplayHandler {
  return ({ path, query }) => {
    const match = /^\/products\/([^/]+)\/candles$/.exec(path)
    const rows = match ? rowsByProduct[decodeURIComponent(match[1]!)] : undefined
    if (!rows) return { status: 404, json: { message: 'NotFound' } }
    const granularity = Number(query.get('granularity'))
    const start = Date.parse(query.get('start') ?? '') / 1000
    const end = Date.parse(query.get('end') ?? '') / 1000
    if ((end - start) / granularity + 1 > maxCandles) {
      return {
        status: 400,
        json: {
          message:
            'granularity too small for the requested time range. Count of aggregations requested exceeds 300',
        },
      }
    }
    return { json: rows.filter(([time]) => time >= start && time <= end).sort((a, b) => b[0] - a[0]) }
  }
}

/** CoinGecko `/api/v3/coins/markets`: filters by `ids`, pages by `per_page`/`page` (rows already in cap order). */
export function coingeckoMarkets(rows: { id: string }[]): ReplayHandler {
  return ({ path, query }) => {
    if (path !== '/api/v3/coins/markets' || query.get('vs_currency') !== 'usd') {
      return { status: 404, json: { error: 'Not found' } }
    }
    const ids = query.get('ids')?.split(',')
    const perPage = Number(query.get('per_page') ?? 100)
    const page = Number(query.get('page') ?? 1)
    const selected = ids ? rows.filter((row) => ids.includes(row.id)) : rows
    return { json: selected.slice((page - 1) * perPage, page * perPage) }
  }
}
