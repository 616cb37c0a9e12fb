import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AssetRegistryMismatchError, checkAssetRegistry } from '../../src/chain/check-assets'
import { parseEnv } from '../../src/config/env'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount, devnetPrivateKey } from '../../src/devnet/accounts'
import { startNode } from '../../src/node'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

const envFor = (network: string) => ({
  NETWORK: network,
  RPC_URL: devnet.rpcUrl,
  PAY_TO: devnetAccount(0).address,
  SETTLER_PRIVATE_KEY: devnetPrivateKey(0),
  PORT: '0',
  PUBLIC_URL: 'https://analytics.example.com',
  LOG_LEVEL: 'silent',
  DATABASE_PATH: path.join(mkdtempSync(path.join(tmpdir(), 'x402-registry-')), 'db.sqlite'),
})

describe('asset registry check (base / base-sepolia)', () => {
  it('passes when the chain has the configured tokens (the devnet mirrors Base)', async () => {
    expect(await checkAssetRegistry(devnet.client, NETWORKS.base)).toEqual([])
  })

  it('lists every mismatch: decimals, EIP-712 name and version, missing code, chain id', async () => {
    const tampered = {
      ...NETWORKS.base,
      usdc: { ...NETWORKS.base.usdc, decimals: 18, eip712: { name: 'USDC', version: '1' } },
    }
    const problems = await checkAssetRegistry(devnet.client, tampered)
    expect(problems.join('\n')).toMatch(/USDC: decimals\(\) is 6, expected 18/)
    expect(problems.join('\n')).toMatch(/USDC: EIP-712 name\(\) is "USD Coin", expected "USDC"/)
    expect(problems.join('\n')).toMatch(/USDC: EIP-712 version\(\) is "2", expected "1"/)
    const sepolia = await checkAssetRegistry(devnet.client, NETWORKS['base-sepolia'])
    expect(sepolia.join('\n')).toMatch(/chain id is 8453, expected 84532/)
    expect(sepolia.join('\n')).toMatch(/USDC: no contract code at 0x036CbD53842c5426634e7929541eC2318f3dCF7e/)
  })

  it('the service refuses to start on a mismatch, and starts on a matching chain', async () => {
    await expect(startNode(parseEnv(envFor('base-sepolia')))).rejects.toBeInstanceOf(
      AssetRegistryMismatchError,
    )
    const node = await startNode(parseEnv(envFor('base')))
    try {
      const res = await fetch(`${node.url}/v1/tokens`)
      expect(res.status).toBe(200)
      // No TMAI price source is configured on base by default, so no TMAI offer is made.
      const challenge = await fetch(`${node.url}/v1/payment-quote`)
      expect(((await challenge.json()) as { data: { tmai: unknown }[] }).data[0]?.tmai).toBeNull()
    } finally {
      await node.stop()
    }
  })
})
