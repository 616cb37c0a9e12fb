/**
 * The `batch-settlement` channel contract stand-in and its EIP-3009 deposit collector on the devnet, call by call:
 * happy paths and every revert. Signatures come from the official @x402/evm code wherever it has a function for
 * them (deposit authorization and voucher from the client, ClaimBatch and Refund from the facilitator's signer).
 * Time-travelling withdrawal tests come last: the deposits before them are signed against the wall clock.
 */
import { createBatchSettlementEIP3009DepositPayload, signVoucher } from '@x402/evm/batch-settlement/client'
import {
  type Abi,
  type Address,
  type Hex,
  keccak256,
  parseAbi,
  parseEventLogs,
  recoverAddress,
  toHex,
} from 'viem'
import type { HDAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import smartWalletArtifact from '../../contracts/artifacts/TestSmartWallet.json'
import ourAbiJson from '../../contracts-abi/x402-batch-settlement.json'
import { erc20Abi } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { type ChannelConfig, channelIdOf, X402_STAND_INS } from '../../src/devnet/x402-stand-ins'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { devnetWallet, gasOf, officialInternal } from '../helpers/x402-stand-ins'

const abi = ourAbiJson as Abi
const CHANNELS = X402_STAND_INS.batchSettlement
const COLLECTOR = X402_STAND_INS.erc3009DepositCollector
const USDC = NETWORKS.devnet.usdc.address
const network = 'eip155:8453' as const
const relayer = devnetAccount(0)
const receiver = devnetAccount(14)
const authorizer = devnetAccount(13)
const stranger = devnetAccount(8)
const ZERO = '0x0000000000000000000000000000000000000000' as const
const collectorAbi = parseAbi([
  'function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes collectorData)',
  'error OnlyBatchSettlement()',
])

type Signer = { address: Address; signTypedData: HDAccount['signTypedData'] }
type SignClaimBatch = (signer: Signer, claims: unknown[], network: string) => Promise<Hex>
type SignRefund = (
  signer: Signer,
  channelId: Hex,
  amount: string,
  nonce: string,
  network: string,
) => Promise<Hex>
type CollectorData = (validAfter: string, validBefore: string, salt: string, signature: Hex) => Hex

let devnet: TestDevnet
let signClaimBatch: SignClaimBatch
let signRefund: SignRefund
let collectorData: CollectorData
let saltSeed = 0

function configFor(payer: Address, overrides: Partial<ChannelConfig> = {}): ChannelConfig {
  return {
    payer,
    payerAuthorizer: payer,
    receiver: receiver.address,
    receiverAuthorizer: authorizer.address,
    token: USDC,
    withdrawDelay: 900,
    salt: keccak256(toHex(`channel ${++saltSeed}`)),
    ...overrides,
  }
}

/** The official client's EIP-3009 deposit authorization for `config`, as `deposit` arguments. */
async function depositArgs(signer: Signer, config: ChannelConfig, amount: bigint, maxTimeoutSeconds = 3_600) {
  const reqs = {
    scheme: 'batch-settlement',
    network,
    amount: '1',
    asset: USDC,
    payTo: config.receiver,
    maxTimeoutSeconds,
    extra: { name: 'USD Coin', version: '2', receiverAuthorizer: config.receiverAuthorizer },
  }
  const { payload } = await createBatchSettlementEIP3009DepositPayload(
    signer as never,
    2,
    reqs as never,
    config as never,
    amount.toString(),
    '1',
  )
  const auth = (
    payload as unknown as {
      deposit: {
        authorization: {
          erc3009Authorization: { validAfter: string; validBefore: string; salt: string; signature: Hex }
        }
      }
    }
  ).deposit.authorization.erc3009Authorization
  return [
    config,
    amount,
    COLLECTOR,
    collectorData(auth.validAfter, auth.validBefore, auth.salt, auth.signature),
  ] as const
}

function simulate(functionName: string, args: readonly unknown[], account: HDAccount = relayer) {
  return devnet.client.simulateContract({ account, address: CHANNELS, abi, functionName, args })
}

async function send(functionName: string, args: readonly unknown[], account: HDAccount = relayer) {
  const hash = await devnetWallet(devnet, account).writeContract({
    address: CHANNELS,
    abi,
    functionName,
    args,
  })
  const { gas, receipt } = await gasOf(devnet, hash)
  return {
    gas,
    events: parseEventLogs({ abi, logs: receipt.logs }) as unknown as {
      eventName: string
      args: Record<string, unknown>
    }[],
  }
}

async function openChannel(payer: HDAccount, amount = 100_000n, overrides: Partial<ChannelConfig> = {}) {
  const config = configFor(payer.address, overrides)
  const sent = await send('deposit', await depositArgs(payer, config, amount))
  return { config, channelId: channelIdOf(config, 8453), ...sent }
}

async function voucherClaim(signer: Signer, config: ChannelConfig, max: bigint, total = max) {
  const voucher = await signVoucher(signer as never, channelIdOf(config, 8453), max.toString(), network)
  return {
    voucher: { channel: config, maxClaimableAmount: max },
    signature: voucher.signature,
    totalClaimed: total,
  }
}

const asOfficial = (claims: Awaited<ReturnType<typeof voucherClaim>>[]) =>
  claims.map((c) => ({
    ...c,
    voucher: { ...c.voucher, maxClaimableAmount: c.voucher.maxClaimableAmount.toString() },
    totalClaimed: c.totalClaimed.toString(),
  }))

const read = <T>(functionName: string, args: readonly unknown[]) =>
  devnet.client.readContract({ address: CHANNELS, abi, functionName, args }) as Promise<T>
const channel = (channelId: Hex) => read<readonly [bigint, bigint]>('channels', [channelId])
const balanceOf = (owner: Address) =>
  devnet.client.readContract({ address: USDC, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })
const names = (events: { eventName: string }[]) => events.map((e) => e.eventName)

beforeAll(async () => {
  devnet = await startTestDevnet()
  // Accounts above 9 are not funded by the devnet; the receiver side and extra keys here send transactions.
  for (const index of [10, 11, 13, 14, 15]) {
    await devnet.testClient.setBalance({ address: devnetAccount(index).address, value: 10n ** 18n })
  }
  signClaimBatch = await officialInternal<SignClaimBatch>('signClaimBatch')
  signRefund = await officialInternal<SignRefund>('signRefund')
  collectorData = await officialInternal<CollectorData>('buildErc3009CollectorData')
})
afterAll(async () => {
  await devnet?.stop()
})

describe('deposit', () => {
  const payer = devnetAccount(1)

  it('creates the channel on the first deposit, tops it up on the next, crediting exactly what arrived', async () => {
    const before = await balanceOf(payer.address)
    const opened = await openChannel(payer, 50_000n)
    expect(names(opened.events)).toEqual(['ChannelCreated', 'Deposited'])
    expect(opened.events[1]!.args).toMatchObject({
      channelId: opened.channelId,
      collector: COLLECTOR,
      amount: 50_000n,
      balance: 50_000n,
    })
    const topUp = await send('deposit', await depositArgs(payer, opened.config, 25_000n))
    expect(names(topUp.events)).toEqual(['Deposited'])
    expect(await channel(opened.channelId)).toEqual([75_000n, 0n])
    expect(await balanceOf(payer.address)).toBe(before - 75_000n)
    expect(await read('getChannelId', [opened.config])).toBe(opened.channelId)
  })

  it('refuses a zero amount, a withdraw delay outside 15 min – 30 days and a config without a receiver authorizer', async () => {
    const config = configFor(payer.address)
    const [, , collector, data] = await depositArgs(payer, config, 1_000n)
    await expect(simulate('deposit', [config, 0n, collector, data])).rejects.toThrow(/ZeroAmount/)
    for (const withdrawDelay of [899, 30 * 86_400 + 1]) {
      await expect(
        simulate('deposit', [{ ...config, withdrawDelay }, 1_000n, collector, data]),
      ).rejects.toThrow(/WithdrawDelayOutOfRange/)
    }
    await expect(
      simulate('deposit', [{ ...config, receiverAuthorizer: ZERO }, 1_000n, collector, data]),
    ).rejects.toThrow(/InvalidChannelConfig/)
  })

  it('an authorization signed for one channel cannot fund another', async () => {
    const config = configFor(payer.address)
    const [, amount, collector, data] = await depositArgs(payer, config, 1_000n)
    await expect(simulate('deposit', [configFor(payer.address), amount, collector, data])).rejects.toThrow(
      /invalid signature/,
    )
    await expect(simulate('deposit', [config, amount + 1n, collector, data])).rejects.toThrow(
      /invalid signature/,
    )
  })

  it('an authorization is used once', async () => {
    const args = await depositArgs(payer, configFor(payer.address), 1_000n)
    await send('deposit', args)
    await expect(simulate('deposit', args)).rejects.toThrow(/authorization is used or canceled/)
  })

  it('an expired authorization is refused', async () => {
    const args = await depositArgs(payer, configFor(payer.address), 1_000n, -60)
    await expect(simulate('deposit', args)).rejects.toThrow(/authorization is expired/)
  })

  it('only the channel contract can make the collector pull a deposit (a seen authorization cannot be diverted)', async () => {
    const config = configFor(payer.address)
    const args = await depositArgs(payer, config, 1_000n)
    await expect(
      devnet.client.simulateContract({
        account: stranger,
        address: COLLECTOR,
        abi: collectorAbi,
        functionName: 'collect',
        args: [payer.address, USDC, 1_000n, channelIdOf(config, 8453), args[3]],
      }),
    ).rejects.toThrow(/OnlyBatchSettlement/)
    await send('deposit', args)
    expect(await channel(channelIdOf(config, 8453))).toEqual([1_000n, 0n])
  })

  it('a collector that delivers nothing credits nothing', async () => {
    const idle = '0x00000000000000000000000000000000000c0de5' as const
    await devnet.testClient.setCode({ address: idle, bytecode: '0x00' }) // STOP: every call "succeeds"
    const config = configFor(payer.address)
    await expect(simulate('deposit', [config, 1_000n, idle, '0x'])).rejects.toThrow(/DepositNotReceived/)
  })

  it('an ERC-1271 smart wallet can be the payer: it authorizes the deposit and signs vouchers', async () => {
    const owner = devnetAccount(10)
    const artifact = smartWalletArtifact as unknown as {
      abi: Abi
      bytecode: Hex
    }
    const deploy = await devnetWallet(devnet, relayer).deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [owner.address],
    })
    const wallet = (await devnet.client.waitForTransactionReceipt({ hash: deploy })).contractAddress!
    const mint = parseAbi(['function mint(address to, uint256 amount)'])
    await gasOf(
      devnet,
      await devnetWallet(devnet, relayer).writeContract({
        address: USDC,
        abi: mint,
        functionName: 'mint',
        args: [wallet, 10_000n],
      }),
    )
    const signer: Signer = { address: wallet, signTypedData: owner.signTypedData }
    const config = configFor(wallet, { payerAuthorizer: ZERO })
    await send('deposit', await depositArgs(signer, config, 10_000n))
    const claim = await voucherClaim(signer, config, 4_000n)
    const { events } = await send('claim', [[claim]], receiver)
    expect(names(events)).toEqual(['Claimed'])
    // The wallet decides: a signature by any key other than its owner's is refused.
    const forged = await voucherClaim(stranger, config, 5_000n)
    await expect(simulate('claim', [[forged]], receiver)).rejects.toThrow(/InvalidVoucherSignature/)
  })
})

describe('claims and settlement', () => {
  const payer = devnetAccount(2)

  it('the receiver claims a voucher: accounting only, then settle pays it out once', async () => {
    const payee = devnetAccount(15) // a receiver of its own, so its claimed and settled totals start at zero
    const { config, channelId } = await openChannel(payer, 100_000n, { receiver: payee.address })
    const payeeBefore = await balanceOf(payee.address)
    const claimed = await send('claim', [[await voucherClaim(payer, config, 30_000n, 25_000n)]], payee)
    expect(claimed.events.map((e) => [e.eventName, e.args.amount, e.args.totalClaimed])).toEqual([
      ['Claimed', 25_000n, 25_000n],
    ])
    expect(await channel(channelId)).toEqual([100_000n, 25_000n])
    expect(await read('receivers', [payee.address, USDC])).toEqual([25_000n, 0n])
    expect(await balanceOf(payee.address)).toBe(payeeBefore)

    const settled = await send('settle', [payee.address, USDC], stranger)
    expect(settled.events.map((e) => e.args)).toEqual([
      { receiver: payee.address, token: USDC, sender: stranger.address, amount: 25_000n },
    ])
    expect(await balanceOf(payee.address)).toBe(payeeBefore + 25_000n)
    expect(await read('receivers', [payee.address, USDC])).toEqual([25_000n, 25_000n])
    const nothing = await send('settle', [payee.address, USDC], stranger)
    expect(nothing.events).toEqual([])
    expect(await balanceOf(payee.address)).toBe(payeeBefore + 25_000n)
  })

  it('claiming the same voucher twice, or an older one, counts nothing more', async () => {
    const { config, channelId } = await openChannel(payer)
    const latest = await voucherClaim(payer, config, 20_000n)
    await send('claim', [[latest]], receiver)
    const [receiverClaimed] = await read<readonly [bigint, bigint]>('receivers', [receiver.address, USDC])
    const twice = await send('claim', [[latest]], receiver)
    expect(twice.events).toEqual([])
    const older = await send('claim', [[await voucherClaim(payer, config, 10_000n)]], receiver)
    expect(older.events).toEqual([])
    expect(await channel(channelId)).toEqual([100_000n, 20_000n])
    expect((await read<readonly [bigint, bigint]>('receivers', [receiver.address, USDC]))[0]).toBe(
      receiverClaimed,
    )
  })

  it('refuses a voucher signed by another key, a claim above the voucher and a claim above the balance', async () => {
    const { config } = await openChannel(payer, 10_000n)
    await expect(
      simulate('claim', [[await voucherClaim(stranger, config, 1_000n)]], receiver),
    ).rejects.toThrow(/InvalidVoucherSignature/)
    await expect(
      simulate('claim', [[await voucherClaim(payer, config, 1_000n, 1_001n)]], receiver),
    ).rejects.toThrow(/ClaimExceedsVoucher/)
    await expect(simulate('claim', [[await voucherClaim(payer, config, 10_001n)]], receiver)).rejects.toThrow(
      /ClaimExceedsBalance/,
    )
    const unknown = configFor(payer.address)
    await expect(simulate('claim', [[await voucherClaim(payer, unknown, 1n)]], receiver)).rejects.toThrow(
      /ClaimExceedsBalance/,
    )
  })

  it('a direct claim is for the receiver side only', async () => {
    const { config } = await openChannel(payer)
    const claim = await voucherClaim(payer, config, 1_000n)
    await expect(simulate('claim', [[claim]], stranger)).rejects.toThrow(/NotReceiverSide/)
    await expect(simulate('claim', [[]], receiver)).rejects.toThrow(/EmptyClaimBatch/)
    expect(names((await send('claim', [[claim]], authorizer)).events)).toEqual(['Claimed'])
  })

  it("claimWithSignature: anyone relays the receiverAuthorizer's ClaimBatch, for several channels in one call", async () => {
    const a = await openChannel(payer)
    const b = await openChannel(devnetAccount(3))
    const claims = [
      await voucherClaim(payer, a.config, 7_000n),
      await voucherClaim(devnetAccount(3), b.config, 9_000n),
    ]
    const signature = await signClaimBatch(authorizer, asOfficial(claims), network)
    const digest = await read<Hex>('getClaimBatchDigest', [claims])
    expect(await recoverAddress({ hash: digest, signature })).toBe(authorizer.address)
    const { events } = await send('claimWithSignature', [claims, signature], stranger)
    expect(names(events)).toEqual(['Claimed', 'Claimed'])
    expect(await channel(a.channelId)).toEqual([100_000n, 7_000n])
    expect(await channel(b.channelId)).toEqual([100_000n, 9_000n])
    // Replaying the same signed batch moves nothing.
    expect((await send('claimWithSignature', [claims, signature], stranger)).events).toEqual([])
  })

  it('claimWithSignature refuses another signer, a row changed after signing, and mixed authorizers', async () => {
    const a = await openChannel(payer)
    const claims = [await voucherClaim(payer, a.config, 3_000n)]
    await expect(
      simulate(
        'claimWithSignature',
        [claims, await signClaimBatch(stranger, asOfficial(claims), network)],
        stranger,
      ),
    ).rejects.toThrow(/InvalidAuthorizerSignature/)
    const signature = await signClaimBatch(authorizer, asOfficial(claims), network)
    const changed = [{ ...claims[0]!, totalClaimed: 2_000n }]
    await expect(simulate('claimWithSignature', [changed, signature], stranger)).rejects.toThrow(
      /InvalidAuthorizerSignature/,
    )
    const other = await openChannel(payer, 1_000n, { receiverAuthorizer: stranger.address })
    const mixed = [...claims, await voucherClaim(payer, other.config, 100n)]
    await expect(simulate('claimWithSignature', [mixed, signature], stranger)).rejects.toThrow(
      /MixedReceiverAuthorizers/,
    )
    await expect(simulate('claimWithSignature', [[], signature], stranger)).rejects.toThrow(/EmptyClaimBatch/)
  })
})

describe('cooperative refunds', () => {
  const payer = devnetAccount(4)

  it('the receiver refunds directly, capped at the unclaimed escrow; the nonce advances', async () => {
    const { config, channelId } = await openChannel(payer)
    await send('claim', [[await voucherClaim(payer, config, 30_000n)]], receiver)
    const before = await balanceOf(payer.address)
    await expect(simulate('refund', [config, 1_000n], stranger)).rejects.toThrow(/NotReceiverSide/)
    const { events } = await send('refund', [config, 500_000n], receiver)
    expect(events.map((e) => [e.eventName, e.args.amount])).toEqual([['Refunded', 70_000n]])
    expect(await balanceOf(payer.address)).toBe(before + 70_000n)
    expect(await channel(channelId)).toEqual([30_000n, 30_000n])
    expect(await read('refundNonce', [channelId])).toBe(1n)
    // Nothing left unclaimed: a refund moves nothing but still uses its nonce.
    expect((await send('refund', [config, 1n], receiver)).events).toEqual([])
    expect(await read('refundNonce', [channelId])).toBe(2n)
    await expect(simulate('refund', [config, 0n], receiver)).rejects.toThrow(/ZeroAmount/)
  })

  it("refundWithSignature: anyone relays the receiverAuthorizer's Refund for the current nonce, once", async () => {
    const { config, channelId } = await openChannel(payer)
    const signature = await signRefund(authorizer, channelId, '40000', '0', network)
    expect(await read('getRefundDigest', [channelId, 0n, 40_000n])).toMatch(/^0x[0-9a-f]{64}$/)
    const before = await balanceOf(payer.address)
    const { events } = await send('refundWithSignature', [config, 40_000n, 0n, signature], stranger)
    expect(events.map((e) => [e.eventName, e.args.amount, e.args.nonce])).toEqual([['Refunded', 40_000n, 0n]])
    expect(await balanceOf(payer.address)).toBe(before + 40_000n)
    await expect(simulate('refundWithSignature', [config, 40_000n, 0n, signature], stranger)).rejects.toThrow(
      /InvalidRefundNonce/,
    )
    const next = await signRefund(authorizer, channelId, '1000', '1', network)
    await expect(simulate('refundWithSignature', [config, 2_000n, 1n, next], stranger)).rejects.toThrow(
      /InvalidAuthorizerSignature/,
    )
    await expect(
      simulate(
        'refundWithSignature',
        [config, 1_000n, 1n, await signRefund(stranger, channelId, '1000', '1', network)],
        stranger,
      ),
    ).rejects.toThrow(/InvalidAuthorizerSignature/)
  })

  it('a full refund of an unclaimed channel closes it; the next deposit opens it again', async () => {
    const { config, channelId } = await openChannel(payer, 5_000n)
    const { events } = await send('refund', [config, 5_000n], authorizer)
    expect(names(events)).toEqual(['Refunded', 'ChannelClosed'])
    expect(await channel(channelId)).toEqual([0n, 0n])
    const reopened = await send('deposit', await depositArgs(payer, config, 1_000n))
    expect(names(reopened.events)).toEqual(['ChannelCreated', 'Deposited'])
  })
})

describe('timed withdrawal (moves the chain clock: last)', () => {
  const payer = devnetAccount(6)
  const pending = (channelId: Hex) => read<readonly [bigint, number]>('pendingWithdrawals', [channelId])

  it('only the payer side starts it, for at most the unclaimed escrow, once at a time', async () => {
    const { config, channelId } = await openChannel(payer)
    await send('claim', [[await voucherClaim(payer, config, 10_000n)]], receiver)
    await expect(simulate('initiateWithdraw', [config, 1_000n], stranger)).rejects.toThrow(/NotPayerSide/)
    await expect(simulate('initiateWithdraw', [config, 1_000n], receiver)).rejects.toThrow(/NotPayerSide/)
    await expect(simulate('initiateWithdraw', [config, 90_001n], payer)).rejects.toThrow(
      /WithdrawExceedsAvailable/,
    )
    await expect(simulate('initiateWithdraw', [config, 0n], payer)).rejects.toThrow(/ZeroAmount/)
    await expect(simulate('finalizeWithdraw', [config], payer)).rejects.toThrow(/NoPendingWithdraw/)
    const { events } = await send('initiateWithdraw', [config, 90_000n], payer)
    expect(names(events)).toEqual(['WithdrawInitiated'])
    expect((await pending(channelId))[0]).toBe(90_000n)
    await expect(simulate('initiateWithdraw', [config, 1n], payer)).rejects.toThrow(/WithdrawAlreadyPending/)
    await expect(simulate('finalizeWithdraw', [config], payer)).rejects.toThrow(/WithdrawDelayNotElapsed/)
  })

  it('after the delay the payer gets what is still unclaimed: the receiver claimed during the delay', async () => {
    const { config, channelId } = await openChannel(payer)
    await send('initiateWithdraw', [config, 100_000n], payer)
    await send('claim', [[await voucherClaim(payer, config, 15_000n)]], receiver)
    await devnet.testClient.increaseTime({ seconds: 899 })
    await devnet.testClient.mine({ blocks: 1 })
    await expect(simulate('finalizeWithdraw', [config], payer)).rejects.toThrow(/WithdrawDelayNotElapsed/)
    await devnet.testClient.increaseTime({ seconds: 1 })
    await devnet.testClient.mine({ blocks: 1 })
    await expect(simulate('finalizeWithdraw', [config], stranger)).rejects.toThrow(/NotPayerSide/)
    const before = await balanceOf(payer.address)
    const { events } = await send('finalizeWithdraw', [config], payer)
    expect(events.map((e) => [e.eventName, e.args.amount])).toEqual([['WithdrawFinalized', 85_000n]])
    expect(await balanceOf(payer.address)).toBe(before + 85_000n)
    expect(await channel(channelId)).toEqual([15_000n, 15_000n])
    expect(await pending(channelId)).toEqual([0n, 0])
    // Nothing beyond what stayed in the channel can be claimed any more.
    await expect(simulate('claim', [[await voucherClaim(payer, config, 15_001n)]], receiver)).rejects.toThrow(
      /ClaimExceedsBalance/,
    )
  })

  it('a payerAuthorizer key may withdraw for the payer; a refund shrinks or cancels a pending withdrawal', async () => {
    const key = devnetAccount(11)
    const { config, channelId } = await openChannel(payer, 50_000n, { payerAuthorizer: key.address })
    await send('initiateWithdraw', [config, 30_000n], key)
    await send('refund', [config, 10_000n], receiver)
    expect((await pending(channelId))[0]).toBe(20_000n)
    await send('refund', [config, 25_000n], receiver)
    expect(await pending(channelId)).toEqual([0n, 0])
    await send('initiateWithdraw', [config, 15_000n], key)
    await devnet.testClient.increaseTime({ seconds: 900 })
    await devnet.testClient.mine({ blocks: 1 })
    const before = await balanceOf(payer.address)
    const { events } = await send('finalizeWithdraw', [config], key)
    expect(names(events)).toEqual(['WithdrawFinalized', 'ChannelClosed'])
    expect(await balanceOf(payer.address)).toBe(before + 15_000n)
  })
})
