import type { PublicClient } from 'viem'
import { checkAssetRegistry } from '../chain/check-assets'
import { shortMessage } from '../chain/errors'
import type { NetworkConfig } from '../config/networks'
import type { Db } from '../db/client'
import { writeReadinessProbe } from '../db/queries/ops'
import { marketDataFreshness } from '../market-data/freshness'

export const READINESS_CHECKS = ['database', 'rpc', 'asset_registry', 'market_data', 'shutdown'] as const
export type ReadinessCheck = (typeof READINESS_CHECKS)[number]

export interface CheckResult {
  ok: boolean
  ms: number
  /** What was found, or why it failed. Never a URL (RPC URLs carry API keys) nor a secret. */
  detail: string
}

export interface ReadinessReport {
  ready: boolean
  failing: ReadinessCheck[]
  checks: Record<ReadinessCheck, CheckResult>
}

export interface ReadinessDeps {
  db: Db
  chain: Pick<PublicClient, 'getChainId' | 'getCode' | 'readContract'>
  network: NetworkConfig
  /** Each check must answer within this. */
  timeoutMs: number
  /** 0: no age check (market data must still exist). */
  maxDataAgeSeconds: number
  /** True once shutdown began: a load balancer should stop sending traffic. */
  draining?: () => boolean
  now?: () => number
}

/** A passed asset-registry check is trusted this long before it is run again. */
const ASSET_CHECK_TTL_MS = 10 * 60_000

class CheckTimeoutError extends Error {
  override name = 'CheckTimeoutError'
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

const withoutUrls = (text: string) => text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[url]')

function hoursOrDays(seconds: number): string {
  return seconds > 172_800 ? `${Math.floor(seconds / 86_400)} d` : `${Math.floor(seconds / 3600)} h`
}

/**
 * Readiness: the database takes writes, the RPC answers with our chain id, the configured assets match the chain,
 * and market data is fresh enough to sell. Every check runs concurrently under its own timeout; any failure names
 * itself. Web APIs only (runs in the request path).
 */
export function createReadiness(deps: ReadinessDeps) {
  const now = deps.now ?? Date.now
  let assetsPassedAt: number | undefined

  const checks: Record<ReadinessCheck, () => Promise<string>> = {
    async database() {
      await writeReadinessProbe(deps.db, now())
      return 'writable'
    },
    async rpc() {
      const chainId = await deps.chain.getChainId()
      if (chainId !== deps.network.chainId)
        throw new Error(`RPC chain id is ${chainId}, expected ${deps.network.chainId}`)
      return `chain id ${chainId}`
    },
    async asset_registry() {
      if (assetsPassedAt !== undefined && now() - assetsPassedAt < ASSET_CHECK_TTL_MS) {
        return `matches the chain (checked ${Math.round((now() - assetsPassedAt) / 1000)} s ago)`
      }
      const problems = await checkAssetRegistry(deps.chain, deps.network)
      if (problems.length > 0) throw new Error(problems.join('; '))
      assetsPassedAt = now()
      return 'matches the chain'
    },
    async market_data() {
      const intervals = await marketDataFreshness(deps.db, now())
      const daily = intervals.find((i) => i.interval === '1d')
      if (!daily || daily.ageSeconds === null) throw new Error('no daily market data loaded')
      const stale = intervals.filter(
        (i) => deps.maxDataAgeSeconds > 0 && i.ageSeconds !== null && i.ageSeconds > deps.maxDataAgeSeconds,
      )
      if (stale.length > 0) {
        throw new Error(
          stale
            .map(
              (i) =>
                `${i.interval} newest candle closed ${i.newestClose}, ${hoursOrDays(i.ageSeconds!)} ago (limit ${hoursOrDays(deps.maxDataAgeSeconds)})`,
            )
            .join('; '),
        )
      }
      return intervals
        .filter((i) => i.ageSeconds !== null)
        .map((i) => `${i.interval}: ${i.symbols} symbols, newest ${i.newest}`)
        .join('; ')
    },
    async shutdown() {
      if (deps.draining?.()) throw new Error('shutting down: draining in-flight requests')
      return 'running'
    },
  }

  async function run(name: ReadinessCheck): Promise<CheckResult> {
    const started = now()
    try {
      const detail = await withTimeout(checks[name](), deps.timeoutMs)
      return { ok: true, ms: now() - started, detail }
    } catch (error) {
      return { ok: false, ms: now() - started, detail: withoutUrls(shortMessage(error)) }
    }
  }

  return {
    async check(): Promise<ReadinessReport> {
      const results = await Promise.all(
        READINESS_CHECKS.map(async (name) => [name, await run(name)] as const),
      )
      const checks = Object.fromEntries(results) as Record<ReadinessCheck, CheckResult>
      const failing = READINESS_CHECKS.filter((name) => !checks[name].ok)
      return { ready: failing.length === 0, failing, checks }
    },
  }
}

export type Readiness = ReturnType<typeof createReadiness>
