import { describe, expect, it } from 'vitest'
import { ConfigError, describeConfig, parseEnv } from './env'

const KEY = `0x${'ab'.repeat(32)}`

describe('parseEnv', () => {
  it('defaults to the devnet with documented defaults', () => {
    const config = parseEnv({})
    expect(config).toMatchObject({
      network: 'devnet',
      port: 4021,
      devnetPort: 8545,
      databasePath: './data/x402-analytics.db',
      tmaiUsd: '0.0007',
      tierPricesUsd: { tier1: '0.017', tier2: '0.034', tier3: '0.068' },
      maxTimeoutSeconds: 120,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('requires RPC_URL, PAY_TO and a settler or facilitator on base, listing every problem', () => {
    const error = (() => {
      try {
        parseEnv({ NETWORK: 'base' })
      } catch (e) {
        return e as ConfigError
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.problems.join('\n')).toMatch(/RPC_URL/)
    expect(error?.problems.join('\n')).toMatch(/PAY_TO/)
    expect(error?.problems.join('\n')).toMatch(/SETTLER_PRIVATE_KEY or FACILITATOR_URL/)
  })

  it('accepts base with a facilitator instead of a settlement key', () => {
    const config = parseEnv({
      NETWORK: 'base-sepolia',
      RPC_URL: 'https://sepolia.base.org',
      PAY_TO: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      FACILITATOR_URL: 'https://facilitator.example',
    })
    expect(config.facilitatorUrl).toBe('https://facilitator.example')
  })

  it('never echoes a secret value in errors or descriptions', () => {
    const bad = `${KEY}ff`
    try {
      parseEnv({ SETTLER_PRIVATE_KEY: bad, PORT: 'eighty' })
      expect.unreachable()
    } catch (e) {
      expect((e as Error).message).toMatch(/SETTLER_PRIVATE_KEY/)
      expect((e as Error).message).toMatch(/PORT/)
      expect((e as Error).message).not.toContain(bad)
    }
    const described = JSON.stringify(describeConfig(parseEnv({ SETTLER_PRIVATE_KEY: KEY })))
    expect(described).not.toContain(KEY)
    expect(described).toContain('(set)')
  })

  it('TRUST_PROXY: off by default; a list of proxy addresses and CIDR blocks; no "trust everyone"', () => {
    expect(parseEnv({}).trustProxy).toEqual([])
    expect(parseEnv({ TRUST_PROXY: ' ' }).trustProxy).toEqual([])
    expect(parseEnv({ TRUST_PROXY: 'false' }).trustProxy).toEqual([])
    expect(parseEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
    ])
    for (const bad of ['true', '*', '10.0.0.0/33', '127.0.0.1,,::1', 'proxy.internal']) {
      expect(() => parseEnv({ TRUST_PROXY: bad }), bad).toThrow(
        /TRUST_PROXY: a comma list of proxy addresses/,
      )
    }
  })

  it('reads the operator settings: log format, metrics listener, readiness and drain bounds', () => {
    expect(parseEnv({})).toMatchObject({
      logFormat: undefined,
      ops: {
        metricsPort: undefined,
        metricsHost: '127.0.0.1',
        readyMaxDataAgeSeconds: 48 * 3600,
        readyCheckTimeoutMs: 2000,
        shutdownDrainMs: 35_000,
      },
    })
    const config = parseEnv({
      LOG_FORMAT: 'json',
      METRICS_PORT: '9464',
      READY_MAX_DATA_AGE_HOURS: '0',
      READY_CHECK_TIMEOUT_MS: '500',
      SHUTDOWN_DRAIN_MS: '5000',
    })
    expect(config.logFormat).toBe('json')
    expect(config.ops).toMatchObject({
      metricsPort: 9464,
      readyMaxDataAgeSeconds: 0,
      readyCheckTimeoutMs: 500,
    })
    expect(parseEnv({ METRICS_PORT: '' }).ops.metricsPort).toBeUndefined()
    expect(() => parseEnv({ LOG_FORMAT: 'xml', METRICS_PORT: 'ninety' })).toThrow(
      /LOG_FORMAT[\s\S]*METRICS_PORT/,
    )
  })
})
