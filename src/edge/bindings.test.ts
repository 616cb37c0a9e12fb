import { describe, expect, it } from 'vitest'
import { ConfigError } from '../config/env'
import { configFromBindings, type WorkerBindings } from './bindings'

const base = {
  DB: {},
  SETTLEMENT_RELAYER: {},
  SHARED_STATE: {},
  NETWORK: 'base',
  RPC_URL: 'https://mainnet.base.org',
  PAY_TO: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  SETTLER_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
} as unknown as WorkerBindings

describe('configFromBindings', () => {
  it('a Worker outside the devnet needs PUBLIC_URL (wrangler.toml ships it empty), named in the error', () => {
    const error = (() => {
      try {
        configFromBindings({ ...base, PUBLIC_URL: '' })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^PUBLIC_URL: required when NETWORK=base/),
    ])
    expect(configFromBindings({ ...base, PUBLIC_URL: 'https://api.example.com' }).publicUrl).toBe(
      'https://api.example.com',
    )
  })
})
