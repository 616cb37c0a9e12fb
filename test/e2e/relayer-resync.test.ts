/**
 * The settlement relayer after the chain went back under it (a reorg, reproduced with evm_snapshot/evm_revert on the
 * real devnet, through the real app): its local nonce runs ahead of the account, and without a re-sync every later
 * settlement queues behind the gap until a restart. It must compare its next nonce with the chain each time and
 * fill the gap — with the very transaction that belonged there while it can still be mined.
 */
import type { Hash } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { devnetAccount } from '../../src/devnet/accounts'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=BTC&limit=2'
const settler = devnetAccount(0).address

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

type Ctx = Awaited<ReturnType<typeof createTestContext>>

async function pay(ctx: Ctx, payerIndex: number) {
  const res = await ctx.app.request(PATH, {
    headers: { 'PAYMENT-SIGNATURE': v2Header(await signUsdcAuthorization(devnetAccount(payerIndex))) },
  })
  const settlement = decodeHeaderJson(res.headers.get('payment-response')) as
    | { transaction?: Hash }
    | undefined
  return { status: res.status, body: await res.text(), transaction: settlement?.transaction }
}

const nonces = async () => ({
  latest: await devnet.client.getTransactionCount({ address: settler, blockTag: 'latest' }),
  pending: await devnet.client.getTransactionCount({ address: settler, blockTag: 'pending' }),
})

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('relayer nonce re-sync after the chain went back (evm_snapshot → settle → evm_revert)', () => {
  // A settlement that does not land within 5 s answers 503 settlement_pending: "settles within a few seconds".
  const env = { SETTLEMENT_TIMEOUT_MS: '5000', SPEND_MAX_USD_PER_PAYER_HOUR: 'none' }

  it('the next payment settles at once, and the reverted settlement is mined again from its own signed bytes', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env })
    try {
      expect((await pay(ctx, 1)).status).toBe(200)
      const payer = devnetAccount(2).address
      const before = await devnet.usdcBalance(payer)
      const snapshot = await devnet.testClient.snapshot()
      const reverted = await pay(ctx, 2)
      expect(reverted.status).toBe(200)
      const height = await devnet.client.getBlockNumber({ cacheTime: 0 })
      await devnet.testClient.revert({ id: snapshot })
      // The block is gone (and with it the Transfer); the relayer's next nonce is now one ahead of the account. (Its
      // poll may already be putting the reverted transaction back: the balance is only checked at the end.)
      expect(await devnet.client.getBlockNumber({ cacheTime: 0 })).toBeLessThanOrEqual(height)

      for (const payerIndex of [3, 4, 5]) {
        const next = await pay(ctx, payerIndex)
        expect(next.status, next.body).toBe(200)
        expect(await devnet.client.getTransactionReceipt({ hash: next.transaction! })).toMatchObject({
          status: 'success',
        })
      }
      // Nothing waits in the pool behind a gap, and the account's mined count caught up with what was sent.
      expect(await devnet.testClient.getTxpoolStatus()).toEqual({ pending: 0, queued: 0 })
      const counts = await nonces()
      expect(counts.latest).toBe(counts.pending)
      // The gap was filled with what belonged there: the reverted settlement, the same hash the ledger holds.
      expect(await devnet.client.getTransactionReceipt({ hash: reverted.transaction! })).toMatchObject({
        status: 'success',
      })
      // Charged once: the reverted Transfer came back, and nothing else of that payment moved.
      expect(await devnet.usdcBalance(payer)).toBe(before - 17_000n)
      const rows = await ctx.payments({ payer })
      expect(rows).toMatchObject([{ state: 'settled', txHash: reverted.transaction }])
    } finally {
      ctx.close()
    }
  })

  it('a gap of several nonces with settlements still in flight is filled; none waits for a restart', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env })
    try {
      expect((await pay(ctx, 6)).status).toBe(200)
      const snapshot = await devnet.testClient.snapshot()
      const lost = [await pay(ctx, 7), await pay(ctx, 8)]
      expect(lost.map((p) => p.status)).toEqual([200, 200])
      await devnet.testClient.revert({ id: snapshot })
      // Broadcast together, as a busy relayer does: each must settle although two nonces below them vanished.
      const next = await Promise.all([9, 1, 3].map((i) => pay(ctx, i)))
      expect(next.map((p) => p.status)).toEqual([200, 200, 200])
      await until(async () => {
        const counts = await nonces()
        return counts.latest === counts.pending
      })
      expect(await devnet.testClient.getTxpoolStatus()).toEqual({ pending: 0, queued: 0 })
      for (const p of lost) {
        expect(await devnet.client.getTransactionReceipt({ hash: p.transaction! })).toMatchObject({
          status: 'success',
        })
      }
    } finally {
      ctx.close()
    }
  })

  it('a settlement the node dropped from its pool is sent again at once, not after the replacement delay', async () => {
    // Replacement would only come after a minute: what brings it back is the poll seeing the node lack it.
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SETTLEMENT_REPLACE_AFTER_MS: '60000', SETTLEMENT_TIMEOUT_MS: '20000' },
    })
    const payer = devnetAccount(5)
    await devnet.testClient.setAutomine(false)
    try {
      const paid = pay(ctx, 5)
      let hash: Hash | undefined
      await until(async () => {
        hash = (await ctx.payments({ payer: payer.address }))[0]?.txHash as Hash | undefined
        return hash !== undefined && (await devnet.testClient.getTxpoolStatus()).pending === 1
      })
      await devnet.testClient.dropTransaction({ hash: hash! })
      // Gone from the pool (the relayer's next poll, within 250 ms, puts it back: without that, nothing is mined).
      await until(async () => (await devnet.testClient.getTxpoolStatus()).pending === 1, 5_000)
      await devnet.testClient.mine({ blocks: 1 })
      const res = await paid
      expect(res.status, res.body).toBe(200)
      // The very transaction the ledger recorded, not a replacement.
      expect(res.transaction).toBe(hash)
      expect(await ctx.payments({ payer: payer.address })).toMatchObject([{ state: 'settled', txHash: hash }])
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })
})
