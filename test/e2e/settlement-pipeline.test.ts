/**
 * Pipelined and batched settlement, and optimistic mode, on a real devnet through the real app: many payments in
 * flight settle exactly once, a failing call inside a batch fails alone, a stuck transaction is replaced and settles
 * once, and optimistic answers leave before their receipt within the exposure caps.
 */
import { createWalletClient, type Hash, http, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminKey } from '../../src/admin/key-store'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { reconcileOnce } from '../../src/payments/reconciler'
import { createTestContext } from '../helpers/context'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { decodeHeaderJson, signUsdcAuthorization, v2Header } from '../helpers/payments'

const PATH = 'http://localhost/v1/daily-ohlcv?symbol=BTC&limit=2'
const usdc = NETWORKS.devnet.usdc.address
const payTo = devnetAccount(0).address
const transferAbi = parseAbi(['function transfer(address to, uint256 value) returns (bool)'])

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet()
})
afterAll(async () => {
  await devnet?.stop()
})

/** Moves USDC from one devnet account to another (account 10+ start with none). */
async function sendUsdc(fromIndex: number, to: `0x${string}`, value: bigint) {
  const wallet = createWalletClient({
    account: devnetAccount(fromIndex),
    chain: devnet.chain,
    transport: http(devnet.rpcUrl),
  })
  const hash = await wallet.writeContract({
    address: usdc,
    abi: transferAbi,
    functionName: 'transfer',
    args: [to, value],
  })
  return hash
}

const pay = (ctx: Awaited<ReturnType<typeof createTestContext>>, header: string) =>
  ctx.app.request(PATH, { headers: { 'PAYMENT-SIGNATURE': header } })

describe('pipelined and batched settlement', () => {
  it('50 concurrent payments from 10 payers all settle exactly once, packed into few transactions', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      // Adaptive batching: an idle relayer sends at once, a busy one gathers what arrives meanwhile.
      env: {
        SETTLEMENT_BATCH_MAX: '16',
        SETTLEMENT_BATCH_WAIT_MS: '0',
        SPEND_MAX_USD_PER_PAYER_HOUR: 'none',
      },
    })
    try {
      const payers = Array.from({ length: 10 }, (_, i) => devnetAccount(1 + i))
      // Account 10 is not funded by the devnet setup.
      await sendUsdc(1, payers[9]!.address, 1_000_000n)
      const before = await Promise.all(payers.map((p) => devnet.usdcBalance(p.address)))
      const payToBefore = await devnet.usdcBalance(payTo)
      const headers = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => v2Header(await signUsdcAuthorization(payers[i % 10]!))),
      )
      const responses = await Promise.all(headers.map((h) => pay(ctx, h)))
      expect(responses.map((r) => r.status)).toEqual(headers.map(() => 200))

      const after = await Promise.all(payers.map((p) => devnet.usdcBalance(p.address)))
      expect(after).toEqual(before.map((b) => b - 5n * 17_000n))
      expect(await devnet.usdcBalance(payTo)).toBe(payToBefore + 50n * 17_000n)
      const rows = await ctx.payments()
      expect(rows.map((r) => r.state)).toEqual(headers.map(() => 'settled'))
      // Every settlement header names the transaction the ledger holds for it.
      const settled = new Map(rows.map((r) => [r.txHash, r]))
      for (const res of responses) {
        const settlement = decodeHeaderJson(res.headers.get('payment-response')) as { transaction: string }
        expect(settled.has(settlement.transaction)).toBe(true)
      }
      const transactions = new Set(rows.map((r) => r.txHash))
      expect(transactions.size).toBeLessThan(50)
      // Within each batch transaction, every payment has its own call index, and its Transfer is in that receipt.
      for (const tx of transactions) {
        const members = rows.filter((r) => r.txHash === tx)
        const receipt = await devnet.client.getTransactionReceipt({ hash: tx as Hash })
        expect(receipt.status).toBe('success')
        if (members.length > 1) {
          expect(new Set(members.map((m) => m.txCallIndex)).size).toBe(members.length)
          expect(members.every((m) => m.txCallIndex !== null)).toBe(true)
        }
      }
    } finally {
      ctx.close()
    }
  })

  it('one bad authorization inside a batch fails alone and is refused to its payer', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SETTLEMENT_BATCH_MAX: '16', SETTLEMENT_BATCH_WAIT_MS: '150' },
    })
    try {
      // A payer holding exactly one payment's worth signs two: each verifies (and estimates) alone, the second fails
      // inside the batch once the first has moved the funds.
      const poor = devnetAccount(11)
      await sendUsdc(2, poor.address, 17_000n)
      const others = [3, 4, 5].map(devnetAccount)
      const othersBefore = await Promise.all(others.map((p) => devnet.usdcBalance(p.address)))
      const poorHeaders = [
        v2Header(await signUsdcAuthorization(poor)),
        v2Header(await signUsdcAuthorization(poor)),
      ]
      const otherHeaders = await Promise.all(
        others.map(async (p) => v2Header(await signUsdcAuthorization(p))),
      )
      const [poorA, poorB, ...rest] = await Promise.all(
        [...poorHeaders, ...otherHeaders].map((h) => pay(ctx, h)),
      )

      expect(rest.map((r) => r.status)).toEqual([200, 200, 200])
      expect([poorA!.status, poorB!.status].sort()).toEqual([200, 402])
      const refused = poorA!.status === 402 ? poorA! : poorB!
      const body = (await refused.json()) as { error: string; data?: unknown; message: string }
      expect(body.error).toBe('invalid_exact_evm_transaction_failed')
      expect(body.message).toMatch(/call \d+ of the batched settlement reverted/)
      expect(body.data).toBeUndefined()
      expect(decodeHeaderJson(refused.headers.get('payment-response'))).toMatchObject({ success: false })

      expect(await devnet.usdcBalance(poor.address)).toBe(0n)
      const othersAfter = await Promise.all(others.map((p) => devnet.usdcBalance(p.address)))
      expect(othersAfter).toEqual(othersBefore.map((b) => b - 17_000n))
      const rows = await ctx.payments()
      const poorRows = rows.filter((r) => r.payer === poor.address.toLowerCase())
      expect(poorRows.map((r) => r.state).sort()).toEqual(['failed', 'settled'])
      // Both of the poor payer's calls went out in the same batch transaction as the others.
      expect(new Set(rows.map((r) => r.txHash)).size).toBe(1)
    } finally {
      ctx.close()
    }
  })

  it('a stuck settlement transaction is replaced at its nonce with higher fees and settles once', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { SETTLEMENT_REPLACE_AFTER_MS: '300', SETTLEMENT_TIMEOUT_MS: '20000' },
    })
    const payer = devnetAccount(6)
    const before = await devnet.usdcBalance(payer.address)
    await devnet.testClient.setAutomine(false)
    try {
      const response = pay(ctx, v2Header(await signUsdcAuthorization(payer)))
      const hashes: Hash[] = []
      const seen: Awaited<ReturnType<typeof devnet.client.getTransaction>>[] = []
      const deadline = Date.now() + 10_000
      while (hashes.length < 2 && Date.now() < deadline) {
        const [row] = await ctx.payments({ payer: payer.address })
        const hash = row?.txHash as Hash | null | undefined
        if (hash && !hashes.includes(hash)) {
          hashes.push(hash)
          seen.push(await devnet.client.getTransaction({ hash }))
        }
        await new Promise((r) => setTimeout(r, 20))
      }
      // The ledger held the first hash, then the replacement's, each before it was broadcast.
      expect(hashes).toHaveLength(2)
      const [first, replacement] = hashes as [Hash, Hash]
      const [firstTx, secondTx] = seen as [(typeof seen)[0], (typeof seen)[0]]
      expect(secondTx.nonce).toBe(firstTx.nonce)
      expect(secondTx.maxPriorityFeePerGas! > firstTx.maxPriorityFeePerGas!).toBe(true)

      await devnet.testClient.mine({ blocks: 1 })
      const res = await response
      expect(res.status).toBe(200)
      const settlement = decodeHeaderJson(res.headers.get('payment-response')) as { transaction: string }
      expect(settlement.transaction).toBe(replacement)
      expect(await devnet.client.getTransactionReceipt({ hash: replacement })).toMatchObject({
        status: 'success',
      })
      await expect(devnet.client.getTransactionReceipt({ hash: first })).rejects.toThrow()
      expect(await ctx.payments({ payer: payer.address })).toMatchObject([
        { state: 'settled', txHash: replacement },
      ])
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 17_000n)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })
})

describe('optimistic settlement on the devnet', () => {
  const optimisticEnv = {
    SETTLE_OPTIMISTIC_ROUTES: '/v1/daily-ohlcv',
    OPTIMISTIC_MAX_USD_PER_PAYER: '0.034',
    SETTLEMENT_TIMEOUT_MS: '20000',
  }

  it('serves before the receipt; the exposure cap refuses the next payment until settlements land', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: optimisticEnv })
    const payer = devnetAccount(7)
    const before = await devnet.usdcBalance(payer.address)
    await devnet.testClient.setAutomine(false)
    try {
      const challenge = await ctx.app.request(PATH)
      const v2 = decodeHeaderJson(challenge.headers.get('payment-required')) as {
        extensions: Record<string, { info: { mode: string } }>
      }
      expect(v2.extensions['settlement-mode']?.info.mode).toBe('optimistic')

      for (let i = 0; i < 2; i++) {
        const res = await pay(ctx, v2Header(await signUsdcAuthorization(payer)))
        expect(res.status).toBe(200)
        expect(((await res.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0)
        const settlement = decodeHeaderJson(res.headers.get('payment-response')) as { transaction: Hash }
        expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
        // Served, and nothing is mined yet.
        expect(
          await devnet.client.getTransactionReceipt({ hash: settlement.transaction }).catch(() => null),
        ).toBeNull()
      }
      expect(await devnet.usdcBalance(payer.address)).toBe(before)
      expect((await ctx.payments({ payer: payer.address })).map((r) => r.state)).toEqual([
        'settling',
        'settling',
      ])

      const third = await pay(ctx, v2Header(await signUsdcAuthorization(payer)))
      expect(third.status).toBe(503)
      expect(await third.json()).toMatchObject({ error: 'optimistic_exposure_limit_reached', scope: 'payer' })

      await devnet.testClient.mine({ blocks: 1 })
      await ctx.services.paid.idle()
      expect(await devnet.usdcBalance(payer.address)).toBe(before - 34_000n)
      const states = (await ctx.payments({ payer: payer.address })).map((r) => r.state)
      expect(states.filter((s) => s === 'settled')).toHaveLength(2)
      await devnet.testClient.setAutomine(true)
      expect((await pay(ctx, v2Header(await signUsdcAuthorization(payer)))).status).toBe(200)
    } finally {
      await devnet.testClient.setAutomine(true)
      await ctx.services.paid.idle()
      ctx.close()
    }
  })

  /**
   * One optimistic payment of `payer` served, then the payer moves its funds to `stash` with a higher tip before the
   * settlement is mined, so it lands first: the payment ends `unpaid`. Leaves automining off (the caller turns it on).
   */
  async function servedThenUnpaid(
    ctx: Awaited<ReturnType<typeof createTestContext>>,
    payer: ReturnType<typeof devnetAccount>,
    stash: ReturnType<typeof devnetAccount>,
    authorization: Parameters<typeof signUsdcAuthorization>[1] = {},
  ) {
    await sendUsdc(8, payer.address, 17_000n)
    await devnet.testClient.setBalance({ address: payer.address, value: 10n ** 18n })
    await devnet.testClient.setAutomine(false)
    const paid = await pay(ctx, v2Header(await signUsdcAuthorization(payer, authorization)))
    expect(paid.status).toBe(200)
    const wallet = createWalletClient({ account: payer, chain: devnet.chain, transport: http(devnet.rpcUrl) })
    await wallet.writeContract({
      address: usdc,
      abi: transferAbi,
      functionName: 'transfer',
      args: [stash.address, 17_000n],
      // Estimating would run against the pending block, where our settlement already took the funds.
      gas: 100_000n,
      maxPriorityFeePerGas: 50_000_000_000n,
      maxFeePerGas: 100_000_000_000n,
    })
    await devnet.testClient.mine({ blocks: 1 })
    await ctx.services.paid.idle()
    expect(await ctx.payments({ payer: payer.address })).toMatchObject([{ state: 'unpaid' }])
  }

  it('a payer whose optimistic settlement failed (funds moved away between verify and settle) is refused until reconciled', async () => {
    const ctx = await createTestContext({ rpcUrl: devnet.rpcUrl, env: optimisticEnv })
    const payer = devnetAccount(12)
    const stash = devnetAccount(13)
    try {
      await servedThenUnpaid(ctx, payer, stash)
      await devnet.testClient.setAutomine(true)
      const refused = await pay(ctx, v2Header(await signUsdcAuthorization(payer)))
      expect(refused.status).toBe(402)
      expect(await refused.json()).toMatchObject({ error: 'unpaid_optimistic_settlement' })

      // Reconciled: funds arrive again and the reconciler collects the same authorization (its one-time nonce makes a
      // second transfer impossible).
      await sendUsdc(8, payer.address, 34_000n)
      const summary = await reconcileOnce({ ...ctx.services, collectUnpaid: true })
      expect(summary.settled).toBe(1)
      expect(await ctx.payments({ payer: payer.address })).toMatchObject([{ state: 'settled' }])
      expect(await devnet.usdcBalance(payer.address)).toBe(17_000n)
      expect(await devnet.usdcBalance(stash.address)).toBe(17_000n)

      const again = await pay(ctx, v2Header(await signUsdcAuthorization(payer)))
      expect(again.status).toBe(200)
      await ctx.services.paid.idle()
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })

  it('an operator writes off an unpaid payment once it can no longer be collected: the payer is served again, its exposure given back, audited', async () => {
    const ctx = await createTestContext({
      rpcUrl: devnet.rpcUrl,
      env: { ...optimisticEnv, CLOCK_SKEW_SECONDS: '0' },
    })
    const payer = devnetAccount(15)
    const stash = devnetAccount(16)
    // A short-lived authorization, so the test can wait for it to expire.
    const validBefore = BigInt(Math.floor(Date.now() / 1000) + 10)
    try {
      await servedThenUnpaid(ctx, payer, stash, { validBefore })
      await devnet.testClient.setAutomine(true)
      const [unpaid] = await ctx.payments({ payer: payer.address })
      expect((await ctx.services.exposure!.usage(payer.address)).payerMicros).toBe(17_000n)

      const { key: readKey } = await createAdminKey(ctx.db, { name: 'ops-read', scope: 'read' })
      const { key: writeKey } = await createAdminKey(ctx.db, { name: 'ops-write', scope: 'write' })
      const writeOff = (id: string, key = writeKey) =>
        ctx.app.request(`http://localhost/admin/payments/${id}/write-off`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}` },
        })
      expect((await writeOff(unpaid!.id, readKey)).status).toBe(403)
      expect(await (await writeOff('not-a-uuid')).json()).toMatchObject({ error: 'invalid_parameter' })
      expect((await writeOff(crypto.randomUUID())).status).toBe(404)
      // While the authorization can still be settled on chain, the payment is not written off.
      const early = await writeOff(unpaid!.id)
      expect(early.status).toBe(409)
      expect(await early.json()).toMatchObject({ error: 'payment_still_collectable' })
      expect(await ctx.payments({ payer: payer.address })).toMatchObject([{ state: 'unpaid' }])
      while (BigInt(Math.floor(Date.now() / 1000)) <= validBefore)
        await new Promise((r) => setTimeout(r, 250))

      const done = await writeOff(unpaid!.id)
      expect(done.status).toBe(200)
      expect(await done.json()).toMatchObject({
        data: { id: unpaid!.id, state: 'failed', failureReason: 'written_off' },
      })
      expect((await ctx.services.exposure!.usage(payer.address)).payerMicros).toBe(0n)
      // Only once: the row is no longer unpaid.
      const again = await writeOff(unpaid!.id)
      expect(again.status).toBe(409)
      expect(await again.json()).toMatchObject({ error: 'payment_not_unpaid', state: 'failed' })

      // The payer is served again (with new funds), and nothing of the written-off authorization moved.
      await sendUsdc(8, payer.address, 17_000n)
      expect((await pay(ctx, v2Header(await signUsdcAuthorization(payer)))).status).toBe(200)
      await ctx.services.paid.idle()
      expect(await devnet.usdcBalance(stash.address)).toBe(17_000n)
      const audit = await ctx.app.request('http://localhost/admin/audit?limit=5', {
        headers: { Authorization: `Bearer ${readKey}` },
      })
      const entries = ((await audit.json()) as { data: { action: string; detail: { id?: string } }[] }).data
      expect(entries.find((e) => e.action === 'payment.write_off')?.detail.id).toBe(unpaid!.id)
    } finally {
      await devnet.testClient.setAutomine(true)
      ctx.close()
    }
  })
})
