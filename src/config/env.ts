import { isAddress, isHex } from 'viem'
import { z } from 'zod'
import { parseAddressRange } from '../lib/ip-address'
import { type UsdMicros, usdMicros } from '../lib/money'
import type { NetworkName } from './networks'

const decimalUsd = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal USD amount like 0.017')
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
/** A USD cap: a decimal string, or empty / "none" for no cap. */
const optionalCap = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || v === 'none' || /^\d+(\.\d{1,6})?$/.test(v),
    'a USD amount like 0.50 (at most 6 decimals), or "none"',
  )
/**
 * Proxies whose X-Forwarded-For is believed: empty / "false" / "off" for none (the socket address is the client),
 * else a comma list of addresses and CIDR blocks. There is no "trust everyone": that would let clients pick
 * their own address.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const value = v?.trim() ?? ''
    if (value === '' || /^(false|off|0|none)$/i.test(value)) return []
    const entries = value.split(',').map((e) => e.trim())
    const bad = entries.filter((e) => parseAddressRange(e) === undefined)
    if (bad.length === 0) return entries
    ctx.addIssue({
      code: 'custom',
      message: `a comma list of proxy addresses or CIDR blocks (like 127.0.0.1,10.0.0.0/8), or empty for none; not ${bad.map((e) => JSON.stringify(e.slice(0, 50))).join(', ')}`,
    })
    return z.NEVER
  })
const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()

/**
 * The one schema over the process environment (or Worker bindings). Everything else reads `Config`.
 * Secrets (SETTLER_PRIVATE_KEY) are validated here and never logged or echoed.
 */
export const EnvSchema = z
  .object({
    NETWORK: z.enum(['devnet', 'base', 'base-sepolia']).default('devnet'),
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(4021),
    DEVNET_PORT: port.default(8545),
    RPC_URL: optionalString.pipe(z.url().optional()),
    PUBLIC_URL: optionalString.pipe(z.url().optional()),
    PAY_TO: optionalString.refine((v) => v === undefined || isAddress(v), 'must be a 0x address'),
    SETTLER_PRIVATE_KEY: optionalString.refine(
      (v) => v === undefined || (isHex(v) && v.length === 66),
      'must be a 32-byte 0x-prefixed hex private key',
    ),
    FACILITATOR_URL: optionalString.pipe(z.url().optional()),
    DATABASE_PATH: z.string().default('./data/x402-analytics.db'),
    MARKET_DATA_CSV: optionalString,
    TOKENS_CSV: optionalString,
    MARKET_DATA_SOURCE: z.enum(['binance', 'coinbase']).default('binance'),
    MARKET_DATA_REFRESH_MINUTES: z.coerce.number().int().min(0).default(60),
    FIRST_RUN_INGEST: z
      .enum(['true', 'false', '1', '0'])
      .default('true')
      .transform((v) => v === 'true' || v === '1'),
    BINANCE_BASE_URL: optionalString.pipe(z.url().optional()),
    COINBASE_BASE_URL: optionalString.pipe(z.url().optional()),
    COINGECKO_BASE_URL: optionalString.pipe(z.url().optional()),
    TMAI_USD: decimalUsd.default('0.0007'),
    TMAI_DISCOUNT: z
      .string()
      .regex(/^0(\.\d{1,6})?$/, 'a fraction below 1, like 0.10')
      .default('0.10'),
    /** Where the TMAI/USD rate comes from; default: fixed on the devnet, none (no TMAI offer) elsewhere. */
    TMAI_PRICE_SOURCE: z.enum(['fixed', 'dex-twap', 'http-api', 'none']).optional(),
    TMAI_PRICE_MAX_AGE_SECONDS: positiveInt.default(300),
    TMAI_PRICE_MIN_USD: decimalUsd.default('0.00001'),
    TMAI_PRICE_MAX_USD: decimalUsd.default('1'),
    TMAI_POOL_ADDRESS: optionalString.refine((v) => v === undefined || isAddress(v), 'must be a 0x address'),
    TMAI_TWAP_WINDOW_SECONDS: positiveInt.default(1800),
    TMAI_POOL_MIN_LIQUIDITY: z.string().regex(/^\d+$/).default('0'),
    TMAI_PRICE_API_URL: optionalString.pipe(z.url().optional()),
    PRICE_TIER1_USD: decimalUsd.default('0.017'),
    PRICE_TIER2_USD: decimalUsd.default('0.034'),
    PRICE_TIER3_USD: decimalUsd.default('0.068'),
    MAX_TIMEOUT_SECONDS: positiveInt.max(3600).default(120),
    CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(15),
    SETTLEMENT_TIMEOUT_MS: positiveInt.default(30_000),
    /** Verification gives up (503, fail closed) after this long in total, whatever the RPC or facilitator does. */
    VERIFY_TIMEOUT_MS: positiveInt.max(60_000).default(5_000),
    RECONCILE_INTERVAL_MS: positiveInt.default(30_000),
    /** The RPC's chain id is re-read at most this long after the last check (and after any RPC error). */
    CHAIN_ID_CHECK_INTERVAL_MS: positiveInt.max(600_000).default(5_000),
    /** `released` (never charged) payments are deleted by the reconciler once this many days old. */
    RELEASED_PAYMENT_RETENTION_DAYS: positiveInt.max(3650).default(7),
    MAX_PAYMENT_HEADER_BYTES: positiveInt.default(16 * 1024),
    SPEND_MAX_USD_PER_CALL: optionalCap.default('1'),
    SPEND_MAX_USD_PER_PAYER_HOUR: optionalCap.default('5'),
    SPEND_MAX_USD_PER_PAYER_DAY: optionalCap.default('25'),
    SPEND_MAX_USD_PER_ENDPOINT_DAY: optionalCap.default(''),
    IDEMPOTENCY_TTL_HOURS: positiveInt.default(24),
    IDEMPOTENCY_MAX_RECORDS: positiveInt.default(100_000),
    /** Memory for cached endpoint results, in MiB of keys and JSON bodies; 0 turns the cache off. */
    RESULT_CACHE_MAX_MB: z.coerce.number().int().min(0).max(65_536).default(32),
    /** Secret, optional: HMAC key for admin key hashes (keys only verify with the pepper they were made with). */
    ADMIN_KEY_PEPPER: optionalString,
    TRUST_PROXY: trustProxy,
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Default: json when stderr is not a terminal, text when it is. */
    LOG_FORMAT: z.enum(['json', 'text']).optional(),
    /** Node only: also serve /metrics without a key on this port (unset: no extra listener; 0: any free port). */
    METRICS_PORT: optionalString
      .transform((v) => (v === undefined ? undefined : Number(v)))
      .pipe(z.number({ error: 'a port number' }).int().min(0).max(65535).optional()),
    METRICS_HOST: z.string().default('127.0.0.1'),
    /** /ready fails when the newest candle of a stored interval closed longer ago than this (0: no age check). */
    READY_MAX_DATA_AGE_HOURS: z.coerce.number().int().min(0).default(48),
    /** Each /ready check (database, RPC, asset registry, market data) must answer within this. */
    READY_CHECK_TIMEOUT_MS: positiveInt.max(60_000).default(2000),
    /** On SIGTERM, in-flight requests get this long to finish (keep it above SETTLEMENT_TIMEOUT_MS). */
    SHUTDOWN_DRAIN_MS: positiveInt.default(35_000),
    /** Relayer: calls arriving within SETTLEMENT_BATCH_WAIT_MS share one Multicall3 transaction, up to this many. */
    SETTLEMENT_BATCH_MAX: z.coerce.number().int().min(1).max(256).default(1),
    SETTLEMENT_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(5),
    /** A settlement transaction unmined this long is replaced at its nonce with higher fees. */
    SETTLEMENT_REPLACE_AFTER_MS: positiveInt.default(15_000),
    /** Paid routes served right after verification and settled in the background (comma list of paths, or *). */
    SETTLE_OPTIMISTIC_ROUTES: z.string().default(''),
    /** Unsettled USD optimistic routes may have served, per payer and in total ("none" or empty: no cap). */
    OPTIMISTIC_MAX_USD_PER_PAYER: optionalCap.default('0.5'),
    OPTIMISTIC_MAX_USD_TOTAL: optionalCap.default('25'),
    /** Log one in this many unpaid 402 challenges (1: all); errors and paid requests are always logged. */
    ACCESS_LOG_CHALLENGE_SAMPLE: positiveInt.default(100),
  })
  .superRefine((env, ctx) => {
    if (env.TMAI_PRICE_SOURCE === 'dex-twap' && !env.TMAI_POOL_ADDRESS) {
      ctx.addIssue({
        code: 'custom',
        path: ['TMAI_POOL_ADDRESS'],
        message: 'required when TMAI_PRICE_SOURCE=dex-twap',
      })
    }
    if (env.TMAI_PRICE_SOURCE === 'http-api' && !env.TMAI_PRICE_API_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['TMAI_PRICE_API_URL'],
        message: 'required when TMAI_PRICE_SOURCE=http-api',
      })
    }
    if (env.NETWORK === 'devnet') return
    if (!env.RPC_URL)
      ctx.addIssue({ code: 'custom', path: ['RPC_URL'], message: `required when NETWORK=${env.NETWORK}` })
    if (!env.PAY_TO)
      ctx.addIssue({ code: 'custom', path: ['PAY_TO'], message: `required when NETWORK=${env.NETWORK}` })
    if (!env.SETTLER_PRIVATE_KEY && !env.FACILITATOR_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SETTLER_PRIVATE_KEY'],
        message: `SETTLER_PRIVATE_KEY or FACILITATOR_URL is required when NETWORK=${env.NETWORK}`,
      })
    }
  })

export type Env = z.infer<typeof EnvSchema>

export interface Config {
  network: NetworkName
  host: string
  port: number
  devnetPort: number
  rpcUrl: string | undefined
  publicUrl: string | undefined
  payTo: `0x${string}` | undefined
  /** Secret. Never log this object whole; use `describeConfig`. */
  settlerPrivateKey: `0x${string}` | undefined
  /** Secret. */
  adminKeyPepper: string | undefined
  facilitatorUrl: string | undefined
  /** Addresses / CIDR blocks of the proxies whose X-Forwarded-For names the client; empty: use the socket. */
  trustProxy: readonly string[]
  databasePath: string
  marketDataCsv: string | undefined
  tokensCsv: string | undefined
  marketData: {
    source: 'binance' | 'coinbase'
    /** 0 disables the refresh scheduler. */
    refreshMinutes: number
    /** Devnet only: ingest a default universe (or synthesise demo data offline) when the store is empty. */
    firstRunIngest: boolean
    urls: { binance?: string; coinbase?: string; coingecko?: string }
  }
  tmaiUsd: string
  tmai: {
    discount: string
    priceSource: 'fixed' | 'dex-twap' | 'http-api' | 'none'
    maxAgeSeconds: number
    minUsd: string
    maxUsd: string
    poolAddress: `0x${string}` | undefined
    twapWindowSeconds: number
    poolMinLiquidity: bigint
    priceApiUrl: string | undefined
  }
  tierPricesUsd: { tier1: string; tier2: string; tier3: string }
  maxTimeoutSeconds: number
  clockSkewSeconds: number
  settlementTimeoutMs: number
  verifyTimeoutMs: number
  reconcileIntervalMs: number
  /** Verification and settlement re-check the RPC's chain id once this old (fail closed on a mismatch). */
  chainIdCheckIntervalMs: number
  /** How long a `released` ledger row is kept before the reconciler prunes it. */
  releasedRetentionMs: number
  maxPaymentHeaderBytes: number
  /** Operator spend caps; null = no cap. */
  spendCaps: {
    perCall: UsdMicros | null
    perPayerHour: UsdMicros | null
    perPayerDay: UsdMicros | null
    perEndpointDay: UsdMicros | null
  }
  idempotency: { ttlMs: number; maxRecords: number }
  /** Bound of the endpoint result cache in bytes (keys and bodies); 0: no caching. */
  resultCacheMaxBytes: number
  logLevel: Env['LOG_LEVEL']
  /** undefined: json when stderr is not a terminal (decided by the Node entry). */
  logFormat: Env['LOG_FORMAT']
  ops: {
    /** Node only; undefined = no separate metrics listener. */
    metricsPort: number | undefined
    metricsHost: string
    /** 0 = no market-data age check. */
    readyMaxDataAgeSeconds: number
    readyCheckTimeoutMs: number
    shutdownDrainMs: number
  }
  /** One in this many unpaid 402 challenges gets an access-log line. */
  accessLogChallengeSample: number
  settlement: { batchMax: number; batchWaitMs: number; replaceAfterMs: number }
  /** Paths of the paid routes that settle optimistically (`*`: all). */
  optimisticRoutes: readonly string[]
  /** Caps on unsettled optimistic USD; null = no cap. */
  exposureCaps: { perPayer: UsdMicros | null; total: UsdMicros | null }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

/** Parses raw environment strings into a frozen Config, or throws a ConfigError listing every bad key. */
export function parseEnv(raw: Record<string, string | undefined>): Config {
  const result = EnvSchema.safeParse(raw)
  if (!result.success) {
    // Report the key and the problem, never the value (it may be a secret).
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`),
    )
  }
  const env = result.data
  return Object.freeze({
    network: env.NETWORK,
    host: env.HOST,
    port: env.PORT,
    devnetPort: env.DEVNET_PORT,
    rpcUrl: env.RPC_URL,
    publicUrl: env.PUBLIC_URL,
    payTo: env.PAY_TO as `0x${string}` | undefined,
    settlerPrivateKey: env.SETTLER_PRIVATE_KEY as `0x${string}` | undefined,
    adminKeyPepper: env.ADMIN_KEY_PEPPER,
    facilitatorUrl: env.FACILITATOR_URL,
    trustProxy: Object.freeze(env.TRUST_PROXY),
    databasePath: env.DATABASE_PATH,
    marketDataCsv: env.MARKET_DATA_CSV,
    tokensCsv: env.TOKENS_CSV,
    marketData: {
      source: env.MARKET_DATA_SOURCE,
      refreshMinutes: env.MARKET_DATA_REFRESH_MINUTES,
      firstRunIngest: env.FIRST_RUN_INGEST,
      urls: {
        binance: env.BINANCE_BASE_URL,
        coinbase: env.COINBASE_BASE_URL,
        coingecko: env.COINGECKO_BASE_URL,
      },
    },
    tmaiUsd: env.TMAI_USD,
    tmai: {
      discount: env.TMAI_DISCOUNT,
      priceSource: env.TMAI_PRICE_SOURCE ?? (env.NETWORK === 'devnet' ? 'fixed' : 'none'),
      maxAgeSeconds: env.TMAI_PRICE_MAX_AGE_SECONDS,
      minUsd: env.TMAI_PRICE_MIN_USD,
      maxUsd: env.TMAI_PRICE_MAX_USD,
      poolAddress: env.TMAI_POOL_ADDRESS as `0x${string}` | undefined,
      twapWindowSeconds: env.TMAI_TWAP_WINDOW_SECONDS,
      poolMinLiquidity: BigInt(env.TMAI_POOL_MIN_LIQUIDITY),
      priceApiUrl: env.TMAI_PRICE_API_URL,
    },
    tierPricesUsd: { tier1: env.PRICE_TIER1_USD, tier2: env.PRICE_TIER2_USD, tier3: env.PRICE_TIER3_USD },
    maxTimeoutSeconds: env.MAX_TIMEOUT_SECONDS,
    clockSkewSeconds: env.CLOCK_SKEW_SECONDS,
    settlementTimeoutMs: env.SETTLEMENT_TIMEOUT_MS,
    verifyTimeoutMs: env.VERIFY_TIMEOUT_MS,
    reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
    chainIdCheckIntervalMs: env.CHAIN_ID_CHECK_INTERVAL_MS,
    releasedRetentionMs: env.RELEASED_PAYMENT_RETENTION_DAYS * 86_400_000,
    maxPaymentHeaderBytes: env.MAX_PAYMENT_HEADER_BYTES,
    spendCaps: {
      perCall: capMicros(env.SPEND_MAX_USD_PER_CALL),
      perPayerHour: capMicros(env.SPEND_MAX_USD_PER_PAYER_HOUR),
      perPayerDay: capMicros(env.SPEND_MAX_USD_PER_PAYER_DAY),
      perEndpointDay: capMicros(env.SPEND_MAX_USD_PER_ENDPOINT_DAY),
    },
    idempotency: { ttlMs: env.IDEMPOTENCY_TTL_HOURS * 3_600_000, maxRecords: env.IDEMPOTENCY_MAX_RECORDS },
    resultCacheMaxBytes: env.RESULT_CACHE_MAX_MB * 1024 * 1024,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    ops: {
      metricsPort: env.METRICS_PORT,
      metricsHost: env.METRICS_HOST,
      readyMaxDataAgeSeconds: env.READY_MAX_DATA_AGE_HOURS * 3600,
      readyCheckTimeoutMs: env.READY_CHECK_TIMEOUT_MS,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    },
    accessLogChallengeSample: env.ACCESS_LOG_CHALLENGE_SAMPLE,
    settlement: {
      batchMax: env.SETTLEMENT_BATCH_MAX,
      batchWaitMs: env.SETTLEMENT_BATCH_WAIT_MS,
      replaceAfterMs: env.SETTLEMENT_REPLACE_AFTER_MS,
    },
    optimisticRoutes: env.SETTLE_OPTIMISTIC_ROUTES.split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    exposureCaps: {
      perPayer: capMicros(env.OPTIMISTIC_MAX_USD_PER_PAYER),
      total: capMicros(env.OPTIMISTIC_MAX_USD_TOTAL),
    },
  })
}

const capMicros = (value: string): UsdMicros | null =>
  value === '' || value === 'none' ? null : usdMicros(value)

/**
 * What serving requires beyond a valid config: outside the devnet, PUBLIC_URL, because every URL we publish (402
 * resource URLs, OpenAPI `servers`, /.well-known/x402, llms.txt) is built from it and never from a request's Host
 * header. CLI commands that serve nothing (keys, ledger, ingest) do not need it. Throws a ConfigError naming it.
 */
export function servingProblems(config: Config): string[] {
  if (config.network === 'devnet' || config.publicUrl) return []
  return [
    `PUBLIC_URL: required when NETWORK=${config.network}: the URL clients reach this service at (like https://api.example.com); published URLs are built from it, never from a request's Host header`,
  ]
}

/** Throws a ConfigError listing {@link servingProblems}, if any. */
export function assertServable(config: Config): void {
  const problems = servingProblems(config)
  if (problems.length > 0) throw new ConfigError(problems)
}

/** A loggable summary of the config with secrets reduced to "set"/"unset". */
export function describeConfig(config: Config): Record<string, unknown> {
  const { settlerPrivateKey, adminKeyPepper, ...rest } = config
  const plain = JSON.parse(
    JSON.stringify(rest, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
  ) as Record<string, unknown>
  return {
    ...plain,
    settlerPrivateKey: settlerPrivateKey ? '(set)' : '(unset)',
    adminKeyPepper: adminKeyPepper ? '(set)' : '(unset)',
  }
}
