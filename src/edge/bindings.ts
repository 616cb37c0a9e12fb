import type { D1Database, DurableObjectNamespace } from '@cloudflare/workers-types/latest'
import { type Config, ConfigError, parseEnv, servingProblems } from '../config/env'

/**
 * What wrangler.toml binds into the Worker: the D1 store, the Durable Objects, and string variables — `[vars]` for
 * plain config, Worker secrets (`wrangler secret put`, `.dev.vars` locally) for SETTLER_PRIVATE_KEY and
 * ADMIN_KEY_PEPPER. Every string goes through the same zod schema as Node's environment.
 */
export interface WorkerBindings {
  DB: D1Database
  /** One SettlementRelayer object per settlement key (named by its address). */
  SETTLEMENT_RELAYER: DurableObjectNamespace
  /** One SharedState object for the whole deployment: TMAI quotes and admin rate limits. */
  SHARED_STATE: DurableObjectNamespace
  [variable: string]: unknown
}

/**
 * The Config of a Worker: its string bindings parsed by `parseEnv`, plus what Workers cannot default the way Node does
 * (no devnet is started here, so the RPC, payTo and settlement key must be given). Throws a ConfigError naming keys.
 */
export function configFromBindings(env: WorkerBindings): Config {
  const strings = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
  const config = parseEnv(strings)
  const problems = servingProblems(config)
  if (!config.rpcUrl) problems.push('RPC_URL: required on Workers (no local devnet runs there)')
  if (!config.payTo) problems.push('PAY_TO: required on Workers')
  if (!config.settlerPrivateKey && !config.facilitatorUrl) {
    problems.push('SETTLER_PRIVATE_KEY: a Worker secret, or FACILITATOR_URL, is required')
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}
