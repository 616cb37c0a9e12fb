import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type Abi, createWalletClient, type Hex, http, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { signUsdcAuthorization, v2Header } from '../helpers/payments'

const artifact = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../contracts/artifacts/TestSmartWallet.json'), 'utf8'),
) as { abi: Abi; bytecode: Hex }

let devnet: TestDevnet
let wallet: `0x${string}`
const owner = devnetAccount(3)

beforeAll(async () => {
  devnet = await startTestDevnet()
  const deployer = createWalletClient({
    account: devnetAccount(0),
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
  })
  const hash = await deployer.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [owner.address],
  })
  wallet = (await devnet.client.waitForTransactionReceipt({ hash })).contractAddress!
  const mint = await deployer.writeContract({
    address: NETWORKS.devnet.usdc.address,
    abi: parseAbi(['function mint(address to, uint256 amount)']),
    functionName: 'mint',
    args: [wallet, 1_000_000n],
  })
  await devnet.client.waitForTransactionReceipt({ hash: mint })
})
afterAll(async () => {
  await devnet?.stop()
})

describe('ERC-1271 smart-wallet payers', () => {
  it('a deployed smart wallet pays: its owner signs, viem verifies through isValidSignature, USDC settles', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const before = await devnet.usdcBalance(wallet)
    const payment = await signUsdcAuthorization(owner, { from: wallet })
    const res = await ctx.app.request('/v1/daily-ohlcv?symbol=ETH&limit=1', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(payment) },
    })
    expect(res.status).toBe(200)
    expect(await devnet.usdcBalance(wallet)).toBe(before - 17_000n)
    expect(await ctx.payments({ payer: wallet })).toMatchObject([{ state: 'settled' }])
    ctx.close()
  })

  it('a signature by someone other than the wallet owner is refused', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl })
    const payment = await signUsdcAuthorization(owner, { from: wallet, signer: devnetAccount(4) })
    const res = await ctx.app.request('/v1/daily-ohlcv?symbol=ETH&limit=1', {
      headers: { 'PAYMENT-SIGNATURE': v2Header(payment) },
    })
    expect(res.status).toBe(402)
    expect(await res.json()).toMatchObject({ error: 'invalid_exact_evm_signature' })
    ctx.close()
  })
})
