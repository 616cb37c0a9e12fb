import { createPublicClient, http } from 'viem'
import { describe, expect, it } from 'vitest'
import { parseEnv } from '../../config/env'
import { NETWORKS } from '../../config/networks'
import { createFixedPriceSource } from './fixed'
import { createTmaiPriceFeed, createTmaiPriceSource } from './index'

// Never contacted: building a source reads nothing.
const client = createPublicClient({ transport: http('http://127.0.0.1:9') })
const NOW = Date.parse('2026-03-18T12:00:00Z')

describe('createFixedPriceSource', () => {
  it('reports the configured rate as observed now, and says it is fixed', async () => {
    const reading = await createFixedPriceSource({ usd: '0.0007', now: () => NOW }).read()
    expect(reading).toEqual({
      usd: '0.0007',
      observedAt: NOW,
      source: 'fixed',
      detail: { note: 'fixed devnet rate' },
    })
  })

  it('refuses a rate that is not a decimal at creation', () => {
    expect(() => createFixedPriceSource({ usd: '7e-4' })).toThrow('invalid decimal')
  })
})

describe('createTmaiPriceFeed from config', () => {
  it('the devnet default is the fixed TMAI_USD rate behind the guard', async () => {
    const config = parseEnv({ TMAI_USD: '0.0008' })
    const feed = createTmaiPriceFeed({ config, network: NETWORKS.devnet, client, now: () => NOW })
    expect(await feed?.current()).toEqual({
      ok: true,
      usd: '0.0008',
      observedAt: NOW,
      source: 'fixed',
      detail: { note: 'fixed devnet rate' },
    })
  })

  it('the band applies to the fixed rate too', async () => {
    const config = parseEnv({ TMAI_USD: '5', TMAI_PRICE_MAX_USD: '1' })
    const feed = createTmaiPriceFeed({ config, network: NETWORKS.devnet, client, now: () => NOW })
    expect(await feed?.current()).toMatchObject({ ok: false, reason: 'out_of_band' })
  })

  it('none, or a network without TMAI, gives no feed', () => {
    const none = parseEnv({ TMAI_PRICE_SOURCE: 'none' })
    expect(createTmaiPriceFeed({ config: none, network: NETWORKS.devnet, client })).toBeUndefined()
    const fixed = parseEnv({})
    expect(createTmaiPriceFeed({ config: fixed, network: NETWORKS['base-sepolia'], client })).toBeUndefined()
  })

  it('dex-twap and http-api need their settings: refused at boot by the env schema, and by the factory too', () => {
    expect(() => parseEnv({ TMAI_PRICE_SOURCE: 'dex-twap' })).toThrow(
      /TMAI_POOL_ADDRESS: required when TMAI_PRICE_SOURCE=dex-twap/,
    )
    expect(() => parseEnv({ TMAI_PRICE_SOURCE: 'http-api' })).toThrow(
      /TMAI_PRICE_API_URL: required when TMAI_PRICE_SOURCE=http-api/,
    )
    const base = parseEnv({})
    const twap = { ...base, tmai: { ...base.tmai, priceSource: 'dex-twap' as const } }
    expect(() => createTmaiPriceSource({ config: twap, network: NETWORKS.devnet, client })).toThrow(
      'TMAI_PRICE_SOURCE=dex-twap needs TMAI_POOL_ADDRESS',
    )
    const api = { ...base, tmai: { ...base.tmai, priceSource: 'http-api' as const } }
    expect(() => createTmaiPriceSource({ config: api, network: NETWORKS.devnet, client })).toThrow(
      'TMAI_PRICE_SOURCE=http-api needs TMAI_PRICE_API_URL',
    )
  })

  it('builds each configured source', () => {
    const twap = parseEnv({
      TMAI_PRICE_SOURCE: 'dex-twap',
      TMAI_POOL_ADDRESS: '0x0000000000000000000000000000000000000001',
    })
    expect(createTmaiPriceSource({ config: twap, network: NETWORKS.devnet, client })).toBeDefined()
    const api = parseEnv({ TMAI_PRICE_SOURCE: 'http-api', TMAI_PRICE_API_URL: 'http://127.0.0.1:9' })
    expect(createTmaiPriceSource({ config: api, network: NETWORKS.devnet, client })).toBeDefined()
  })
})
