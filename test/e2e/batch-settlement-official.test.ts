/**
 * The key proof for the `batch-settlement` stand-in: the official @x402/evm client signs (deposit authorizations,
 * vouchers, the refund's zero-charge voucher) and the official facilitator verifies, deposits, claims (signing the
 * ClaimBatch itself), settles and refunds (signing the Refund itself) against our contracts on the devnet, with
 * balances moving exactly. The server's part (channel state, charges) is played by this test, as the later server
 * work will play it.
 */

import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from '@x402/core/http'
import { toClientEvmSigner } from '@x402/evm'
import { BatchSettlementEvmScheme as ChannelClient, signVoucher } from '@x402/evm/batch-settlement/client'
import { BatchSettlementEvmScheme as ChannelFacilitator } from '@x402/evm/batch-settlement/facilitator'
import type { Address, Hex } from 'viem'
import type { HDAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { type ChannelConfig, channelIdOf, X402_STAND_INS } from '../../src/devnet/x402-stand-ins'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { facilitatorSigner, gasOf, officialBatchSettlementAbi } from '../helpers/x402-stand-ins'

const CHANNELS = X402_STAND_INS.batchSettlement
const USDC = NETWORKS.devnet.usdc.address
const TMAI = NETWORKS.devnet.tmai!.address
const network = 'eip155:8453' as const
const price = 1_000n // $0.001 a call
const receiver = devnetAccount(14).address
const authorizer = devnetAccount(13) // the receiverAuthorizer key, held by the facilitator here
const gas: Record<string, bigint> = {}

let devnet: TestDevnet
let facilitator: ChannelFacilitator
let abi: Awaited<ReturnType<typeof officialBatchSettlementAbi>>

function requirements(asset: Address = USDC, extra: Record<string, unknown> = {}) {
  return {
    scheme: 'batch-settlement',
    network,
    amount: price.toString(),
    asset,
    payTo: receiver,
    maxTimeoutSeconds: 300,
    extra: {
      receiverAuthorizer: authorizer.address,
      withdrawDelay: 900,
      name: 'USD Coin',
      version: '2',
      minDeposit: '100000',
      ...extra,
    },
  }
}
type Requirements = ReturnType<typeof requirements>

/** The server side of one channel: what it charged and the payer's latest voucher. */
interface ServerChannel {
  config: ChannelConfig
  channelId: Hex
  charged: bigint
  voucher?: { maxClaimableAmount: string; signature: Hex }
}

interface PaidCall {
  type: string
  channelConfig: ChannelConfig
  voucher: { channelId: Hex; maxClaimableAmount: string; signature: Hex }
  deposit?: { amount: string }
}

/** One paid call: the official client signs, the official facilitator verifies (and deposits), the "server" charges. */
async function pay(client: ChannelClient, reqs: Requirements, server: Partial<ServerChannel> = {}) {
  const created = await client.createPaymentPayload(2, reqs as never)
  const payload = created.payload as unknown as PaidCall
  const paymentPayload = { x402Version: 2, accepted: reqs, payload }
  const verified = await facilitator.verify(paymentPayload as never, reqs as never)
  expect(verified, JSON.stringify(verified)).toMatchObject({ isValid: true })
  let transaction = ''
  if (payload.type === 'deposit') {
    const settled = await facilitator.settle(paymentPayload as never, reqs as never)
    expect(settled, JSON.stringify(settled)).toMatchObject({ success: true, amount: payload.deposit?.amount })
    transaction = settled.transaction
  }
  const charged = (server.charged ?? 0n) + price
  const channelState = { chargedCumulativeAmount: charged.toString() }
  await client.schemeHooks.onPaymentResponse?.({
    paymentPayload: paymentPayload as never,
    requirements: reqs as never,
    settleResponse: {
      success: true,
      transaction,
      network,
      extra: { chargedAmount: price.toString(), channelState },
    },
  })
  const next: ServerChannel = {
    config: payload.channelConfig,
    channelId: payload.voucher.channelId,
    charged,
    voucher: { maxClaimableAmount: payload.voucher.maxClaimableAmount, signature: payload.voucher.signature },
  }
  return { payload, transaction, server: next }
}

async function calls(client: ChannelClient, reqs: Requirements, count: number, start?: ServerChannel) {
  let server: Partial<ServerChannel> = start ?? {}
  const types: string[] = []
  let depositTx = ''
  for (let i = 0; i < count; i++) {
    const call = await pay(client, reqs, server)
    types.push(call.payload.type)
    if (call.transaction) depositTx = call.transaction
    server = call.server
  }
  return { server: server as ServerChannel, types, depositTx }
}

function claimRow(server: ServerChannel) {
  return {
    voucher: { channel: server.config, maxClaimableAmount: server.voucher!.maxClaimableAmount },
    signature: server.voucher!.signature,
    totalClaimed: server.voucher!.maxClaimableAmount,
  }
}

const settlePayload = (reqs: Requirements, payload: Record<string, unknown>) => ({
  x402Version: 2,
  accepted: reqs,
  payload,
})

/** A server-authored claim or settle, submitted through the official facilitator. */
const submit = (reqs: Requirements, payload: Record<string, unknown>) =>
  facilitator.settle(settlePayload(reqs, payload) as never, reqs as never)

const readChannels = <T>(functionName: string, args: readonly unknown[]) =>
  devnet.client.readContract({ address: CHANNELS, abi, functionName, args }) as Promise<T>
const channelState = (channelId: Hex) => readChannels<readonly [bigint, bigint]>('channels', [channelId])
const balanceOf = (token: Address, owner: Address) =>
  devnet.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
const clientFor = (payer: HDAccount) => new ChannelClient(toClientEvmSigner(payer, devnet.client as never))

beforeAll(async () => {
  devnet = await startTestDevnet()
  abi = await officialBatchSettlementAbi()
  facilitator = new ChannelFacilitator(facilitatorSigner(devnet, devnetAccount(0)), authorizer)
})
afterAll(async () => {
  await devnet?.stop()
  if (Object.keys(gas).length > 0) console.info('gas (official facilitator → stand-ins):', gas)
})

describe('batch-settlement stand-in with the official client and facilitator', () => {
  const payer = devnetAccount(5)
  const reqs = requirements()
  let server: ServerChannel

  it('one EIP-3009 deposit, then vouchers only: verified against the chain, channel funded exactly', async () => {
    const payerBefore = await balanceOf(USDC, payer.address)
    const run = await calls(clientFor(payer), reqs, 10)
    server = run.server
    expect(run.types).toEqual(['deposit', ...Array(9).fill('voucher')])
    expect(server.channelId).toBe(channelIdOf(server.config, 8453))
    expect(await channelState(server.channelId)).toEqual([100_000n, 0n])
    expect(await balanceOf(USDC, payer.address)).toBe(payerBefore - 100_000n)
    expect(await balanceOf(USDC, CHANNELS)).toBe(100_000n)
    expect(await balanceOf(USDC, X402_STAND_INS.erc3009DepositCollector)).toBe(0n)
    expect(server.voucher?.maxClaimableAmount).toBe('10000')
    gas.deposit = (await gasOf(devnet, run.depositTx as Hex)).gas
  })

  it('claims the latest voucher with the ClaimBatch signature the facilitator makes, then settles to payTo', async () => {
    const claim = await submit(reqs, { type: 'claim', claims: [claimRow(server)] })
    expect(claim, JSON.stringify(claim)).toMatchObject({ success: true })
    gas.claim1 = (await gasOf(devnet, claim.transaction as Hex)).gas
    expect(await channelState(server.channelId)).toEqual([100_000n, 10_000n])
    expect(await readChannels('receivers', [receiver, USDC])).toEqual([10_000n, 0n])

    const before = await balanceOf(USDC, receiver)
    const settled = await submit(reqs, { type: 'settle', receiver, token: USDC })
    // The facilitator reads the amount from our Settled event.
    expect(settled, JSON.stringify(settled)).toMatchObject({ success: true, amount: '10000' })
    gas.settle = (await gasOf(devnet, settled.transaction as Hex)).gas
    expect(await balanceOf(USDC, receiver)).toBe(before + 10_000n)
    const again = await submit(reqs, { type: 'settle', receiver, token: USDC })
    expect(again).toMatchObject({
      success: false,
      errorReason: 'invalid_batch_settlement_evm_nothing_to_settle',
    })
  })

  it("a voucher the payer did not sign, or one above the channel's balance, fails the facilitator's verify", async () => {
    const stranger = devnetAccount(8)
    const forged = await signVoucher(stranger as never, server.channelId, '11000', network)
    const base = { type: 'voucher', channelConfig: server.config }
    const verify = (voucher: unknown) =>
      facilitator.verify(settlePayload(reqs, { ...base, voucher }) as never, reqs as never)
    expect(await verify(forged)).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_batch_settlement_evm_voucher_signature',
    })
    const tooMuch = await signVoucher(payer as never, server.channelId, '100001', network)
    expect(await verify(tooMuch)).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_batch_settlement_evm_cumulative_exceeds_balance',
    })
  })

  it("refunds through the official client's refund(): claim of the last voucher and the Refund in one multicall", async () => {
    const client = clientFor(payer)
    // Two more paid calls on this client (it recovers the channel from the chain: the claimed 10,000 as its base).
    const more = await calls(client, reqs, 2, { ...server, charged: 10_000n })
    expect(more.types).toEqual(['voucher', 'voucher'])
    server = more.server
    expect(server.charged).toBe(12_000n)

    const payerBefore = await balanceOf(USDC, payer.address)
    const url = 'http://devnet.test/paid'
    let refundTx: Hex | undefined
    // The resource server, in process: a 402 to the probe, then it completes the refund payload and settles it.
    const serverFetch = async (_input: unknown, init?: { headers?: Record<string, string> }) => {
      const signature = init?.headers?.['PAYMENT-SIGNATURE']
      if (!signature) {
        const required = { x402Version: 2, error: 'payment required', resource: { url }, accepts: [reqs] }
        return new Response('{}', {
          status: 402,
          headers: { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(required as never) },
        })
      }
      const paymentPayload = decodePaymentSignatureHeader(signature)
      const refund = paymentPayload.payload as unknown as PaidCall & { amount?: string }
      expect(refund).toMatchObject({ type: 'refund', voucher: { maxClaimableAmount: '12000' } })
      expect((await facilitator.verify(paymentPayload, reqs as never)).isValid).toBe(true)
      const [balance] = await channelState(server.channelId)
      const enriched = {
        ...refund,
        amount: refund.amount ?? (balance - server.charged).toString(),
        refundNonce: '0',
        claims: [claimRow(server)],
      }
      const result = await facilitator.settle(
        { ...paymentPayload, payload: enriched } as never,
        reqs as never,
      )
      refundTx = result.transaction as Hex
      return new Response('{}', {
        status: 200,
        headers: { 'PAYMENT-RESPONSE': encodePaymentResponseHeader(result) },
      })
    }
    const response = await client.refund(url, { fetch: serverFetch as never })
    expect(response, JSON.stringify(response)).toMatchObject({ success: true, amount: '88000' })
    gas.claimAndRefund = (await gasOf(devnet, refundTx!)).gas
    expect(await balanceOf(USDC, payer.address)).toBe(payerBefore + 88_000n)
    expect(await channelState(server.channelId)).toEqual([12_000n, 12_000n])
    expect(await readChannels('refundNonce', [server.channelId])).toBe(1n)

    // The last 2,000 claimed go to payTo; the channel contract then holds nothing of this payer.
    const before = await balanceOf(USDC, receiver)
    await submit(reqs, { type: 'settle', receiver, token: USDC })
    expect(await balanceOf(USDC, receiver)).toBe(before + 2_000n)
    expect(await balanceOf(USDC, CHANNELS)).toBe(0n)
  })

  it('claims several channels in one transaction', async () => {
    const servers: ServerChannel[] = []
    for (const index of [6, 7, 9])
      servers.push((await calls(clientFor(devnetAccount(index)), reqs, 3)).server)
    const claim = await submit(reqs, { type: 'claim', claims: servers.map(claimRow) })
    expect(claim, JSON.stringify(claim)).toMatchObject({ success: true })
    gas.claim3 = (await gasOf(devnet, claim.transaction as Hex)).gas
    for (const s of servers) expect(await channelState(s.channelId)).toEqual([100_000n, 3_000n])
    const settled = await submit(reqs, { type: 'settle', receiver, token: USDC })
    expect(settled).toMatchObject({ success: true, amount: '9000' })
  })

  it('deposits TMAI through the Permit2 collector (a payer that approved Permit2 at devnet set-up)', async () => {
    const tmaiReqs = requirements(TMAI, {
      assetTransferMethod: 'permit2',
      name: 'Token Metrics AI',
      version: '1',
    })
    const tmaiPayer = devnetAccount(2)
    const before = await balanceOf(TMAI, tmaiPayer.address)
    const run = await calls(clientFor(tmaiPayer), tmaiReqs, 4)
    expect(run.types).toEqual(['deposit', 'voucher', 'voucher', 'voucher'])
    gas.depositPermit2 = (await gasOf(devnet, run.depositTx as Hex)).gas
    expect(await balanceOf(TMAI, tmaiPayer.address)).toBe(before - 100_000n)
    expect(await channelState(run.server.channelId)).toEqual([100_000n, 0n])
    const claim = await submit(tmaiReqs, { type: 'claim', claims: [claimRow(run.server)] })
    expect(claim).toMatchObject({ success: true })
    expect(await channelState(run.server.channelId)).toEqual([100_000n, 4_000n])
  })
})
