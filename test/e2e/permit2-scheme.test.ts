import { randomBytes } from 'node:crypto'
import type { PaymentRequirements } from '@x402/core/types'
import { ExactEvmScheme } from '@x402/evm/exact/client'
import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  type Hash,
  http,
  type LocalAccount,
  multicall3Abi,
  parseEventLogs,
} from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import {
  permit2Abi,
  permitWitnessTransferFromTypes,
  x402ExactPermit2ProxyAbi,
} from '../../src/chain/permit2-abis'
import { Relayer } from '../../src/chain/relayer'
import { CANONICAL, NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import type { Offer } from '../../src/x402/offers'
import { ExactPermit2Payload } from '../../src/x402/schemas'
import {
  createExactPermit2Scheme,
  type ExactPermit2Scheme,
  type Permit2Attempt,
} from '../../src/x402/schemes/exact-permit2'
import { nonceBitPosition, permit2Message, settleArgs } from '../../src/x402/schemes/exact-permit2/payload'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'

const network = NETWORKS.devnet
const tmai = network.tmai!
const payTo = devnetAccount(0).address
/** $0.017 less 10% at $0.0007 per TMAI, rounded up: an 18-decimal amount well above 10^18. */
const AMOUNT = 21_857_142_857_142_857_143n

const offer: Offer = {
  scheme: 'exact',
  network,
  asset: tmai,
  amountAtomic: AMOUNT,
  usdPrice: '0.017',
  usdMicros: 15_300n,
  payTo,
  maxTimeoutSeconds: 120,
}

const requirement: PaymentRequirements = {
  scheme: 'exact',
  network: 'eip155:8453',
  asset: tmai.address,
  amount: AMOUNT.toString(),
  payTo,
  maxTimeoutSeconds: 120,
  extra: { assetTransferMethod: 'permit2' },
}

let devnet: TestDevnet
let scheme: ExactPermit2Scheme

beforeAll(async () => {
  devnet = await startTestDevnet()
  scheme = permit2Scheme()
})
afterAll(async () => {
  await devnet?.stop()
})

function permit2Scheme(receiptTimeoutMs = 10_000): ExactPermit2Scheme {
  const wallet = createWalletClient({
    chain: devnet.chain,
    account: devnetAccount(0),
    transport: http(devnet.rpcUrl),
  })
  return createExactPermit2Scheme({
    client: devnet.client,
    relayer: new Relayer(wallet, devnet.client),
    settler: devnetAccount(0).address,
    nowSeconds: () => Math.floor(Date.now() / 1000),
    clockSkewSeconds: 15,
    receiptTimeoutMs,
    logLookbackBlocks: 1_000n,
  })
}

/** A Permit2 payment made by the official x402 v2 client code (@x402/evm ExactEvmScheme), as a bound attempt. */
async function officialPayment(payer: LocalAccount): Promise<Permit2Attempt> {
  const created = await new ExactEvmScheme(payer).createPaymentPayload(2, requirement)
  const payload = ExactPermit2Payload.parse(created.payload)
  return { offer, payload, payer: payer.address }
}

/** A payment signed directly (for terms the official client would never produce, e.g. a past deadline). */
async function signedPayment(
  payer: LocalAccount,
  terms: { deadline: bigint; nonce?: bigint; amount?: bigint },
): Promise<Permit2Attempt> {
  const permit2Authorization = {
    from: payer.address,
    permitted: { token: tmai.address, amount: (terms.amount ?? AMOUNT).toString() },
    spender: CANONICAL.x402ExactPermit2Proxy,
    nonce: (terms.nonce ?? BigInt(`0x${randomBytes(32).toString('hex')}`)).toString(),
    deadline: terms.deadline.toString(),
    witness: { to: payTo, validAfter: '0' },
  }
  const signature = await payer.signTypedData({
    domain: { name: 'Permit2', chainId: 8453, verifyingContract: CANONICAL.permit2 },
    types: permitWitnessTransferFromTypes,
    primaryType: 'PermitWitnessTransferFrom',
    message: permit2Message(permit2Authorization),
  })
  return { offer, payload: { signature, permit2Authorization }, payer: payer.address }
}

/** The attempt with some authorization fields changed (the signature stays the original). */
function tampered(
  attempt: Permit2Attempt,
  change: (auth: Permit2Attempt['payload']['permit2Authorization']) => void,
): Permit2Attempt {
  const copy = structuredClone(attempt.payload)
  change(copy.permit2Authorization)
  return { ...attempt, payload: copy }
}

const tmaiBalance = (owner: Address) =>
  devnet.client.readContract({
    address: tmai.address,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  })

const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000))

describe('exact Permit2: verify and settle a payment from the official x402 client', () => {
  let first: Permit2Attempt
  let firstHash: Hash

  it('the official client builds a Permit2 payload our schema accepts', async () => {
    first = await officialPayment(devnetAccount(1))
    const auth = first.payload.permit2Authorization
    expect(auth).toMatchObject({
      from: devnetAccount(1).address,
      spender: CANONICAL.x402ExactPermit2Proxy,
      permitted: { amount: AMOUNT.toString() },
      witness: { validAfter: '0' },
    })
    expect(auth.nonce).toMatch(/^[0-9]+$/)
  })

  it('verifies, then settles: balances move by exactly the amount and the Transfer event is there', async () => {
    expect(await scheme.verify(first)).toEqual({ ok: true })
    const payerBefore = await tmaiBalance(first.payer)
    const payToBefore = await tmaiBalance(payTo)
    const stored: Hash[] = []
    const outcome = await scheme.settle(first, {
      onTxHash: async (hash) => {
        // The hash is handed over before broadcast: the node has not seen it yet.
        await expect(devnet.client.getTransaction({ hash })).rejects.toThrow()
        stored.push(hash)
      },
    })
    expect(outcome.status).toBe('settled')
    firstHash = (outcome as { txHash: Hash }).txHash
    expect(stored).toEqual([firstHash])
    expect(await tmaiBalance(first.payer)).toBe(payerBefore - AMOUNT)
    expect(await tmaiBalance(payTo)).toBe(payToBefore + AMOUNT)
    const receipt = await devnet.client.getTransactionReceipt({ hash: firstHash })
    const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs })
    expect(transfers.map((t) => ({ token: t.address.toLowerCase(), ...t.args }))).toEqual([
      { token: tmai.address.toLowerCase(), from: first.payer, to: payTo, value: AMOUNT },
    ])
    const settled = parseEventLogs({
      abi: x402ExactPermit2ProxyAbi,
      eventName: 'Settled',
      logs: receipt.logs,
    })
    expect(settled).toHaveLength(1)
  })

  it('a replay of the same payload is refused (nonce used) and settling it again moves no money', async () => {
    expect(await scheme.verify(first)).toMatchObject({ ok: false, reason: 'permit2_invalid_nonce' })
    const payerBefore = await tmaiBalance(first.payer)
    const payToBefore = await tmaiBalance(payTo)
    const stored: Hash[] = []
    const outcome = await scheme.settle(first, { onTxHash: async (hash) => void stored.push(hash) })
    // Nothing is broadcast (the call reverts at estimation); the chain shows this very permit already paid us.
    expect(outcome).toEqual({ status: 'settled', txHash: firstHash })
    expect(stored).toEqual([])
    expect(await tmaiBalance(first.payer)).toBe(payerBefore)
    expect(await tmaiBalance(payTo)).toBe(payToBefore)
  })

  it('resolve() finds a settled payment from chain state alone, with or without our tx hash', async () => {
    expect(await scheme.resolve(first, firstHash)).toEqual({ status: 'settled', txHash: firstHash })
    expect(await scheme.resolve(first, null)).toEqual({ status: 'settled', txHash: firstHash })
  })
})

describe('exact Permit2: refusals', () => {
  it('a payer that has not approved Permit2 gets permit2_allowance_required', async () => {
    const attempt = await officialPayment(devnetAccount(6))
    expect(await scheme.verify(attempt)).toMatchObject({ ok: false, reason: 'permit2_allowance_required' })
  })

  it.each<[string, (auth: Permit2Attempt['payload']['permit2Authorization']) => void, string]>([
    [
      'amount',
      (auth) => {
        auth.permitted.amount = (AMOUNT - 1n).toString()
      },
      'permit2_amount_mismatch',
    ],
    [
      'token',
      (auth) => {
        auth.permitted.token = network.usdc.address
      },
      'permit2_token_mismatch',
    ],
    [
      'recipient',
      (auth) => {
        auth.witness.to = devnetAccount(7).address
      },
      'invalid_permit2_recipient_mismatch',
    ],
    [
      'spender',
      (auth) => {
        auth.spender = CANONICAL.multicall3
      },
      'invalid_permit2_spender',
    ],
    [
      'nonce (signature no longer matches)',
      (auth) => {
        auth.nonce = (BigInt(auth.nonce) ^ 1n).toString()
      },
      'invalid_permit2_signature',
    ],
    [
      'validAfter in the future',
      (auth) => {
        auth.witness.validAfter = (nowSeconds() + 60n).toString()
      },
      'permit2_not_yet_valid',
    ],
  ])('a tampered %s is refused', async (_field, change, reason) => {
    const attempt = tampered(await officialPayment(devnetAccount(2)), change)
    expect(await scheme.verify(attempt)).toMatchObject({ ok: false, reason })
  })

  it('addresses in any letter case (even a broken checksum) are read as the same addresses', async () => {
    const swapCase = (a: string): `0x${string}` =>
      `0x${[...a.slice(2)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')}`
    const attempt = tampered(await officialPayment(devnetAccount(2)), (auth) => {
      auth.from = swapCase(auth.from)
      auth.witness.to = swapCase(auth.witness.to)
    })
    expect(await scheme.verify(attempt)).toEqual({ ok: true })
  })

  it('a signature by someone else is refused', async () => {
    const attempt = await officialPayment(devnetAccount(3))
    const { signature } = (await officialPayment(devnetAccount(4))).payload
    expect(await scheme.verify({ ...attempt, payload: { ...attempt.payload, signature } })).toMatchObject({
      ok: false,
      reason: 'invalid_permit2_signature',
    })
  })

  it('an expired deadline, or one further out than maxTimeoutSeconds, is refused', async () => {
    const payer = devnetAccount(2)
    for (const deadline of [nowSeconds() - 1n, nowSeconds() + 3n, nowSeconds() + 600n]) {
      const attempt = await signedPayment(payer, { deadline })
      expect(await scheme.verify(attempt)).toMatchObject({ ok: false, reason: 'permit2_deadline_expired' })
    }
  })

  it('a payer short of TMAI gets permit2_insufficient_balance', async () => {
    const attempt = await signedPayment(devnetAccount(5), {
      deadline: nowSeconds() + 60n,
      amount: 10n ** 30n,
    })
    const rich = { ...offer, amountAtomic: 10n ** 30n }
    expect(await scheme.verify({ ...attempt, offer: rich })).toMatchObject({
      ok: false,
      reason: 'permit2_insufficient_balance',
    })
  })
})

describe('exact Permit2: resolving payments the reconciler finds pending', () => {
  it('a receipt timeout is pending; once mined, resolve() settles it without sending anything again', async () => {
    const slow = permit2Scheme(300)
    const attempt = await officialPayment(devnetAccount(3))
    expect(await slow.verify(attempt)).toEqual({ ok: true })
    const before = await tmaiBalance(attempt.payer)
    await devnet.testClient.setAutomine(false)
    let hash: Hash | undefined
    try {
      const outcome = await slow.settle(attempt, { onTxHash: async () => undefined })
      expect(outcome).toMatchObject({ status: 'pending' })
      hash = (outcome as { txHash: Hash }).txHash
      expect(await slow.resolve(attempt, hash)).toEqual({ status: 'unresolved' })
      await devnet.testClient.mine({ blocks: 1 })
    } finally {
      await devnet.testClient.setAutomine(true)
    }
    expect(await slow.resolve(attempt, hash!)).toEqual({ status: 'settled', txHash: hash })
    expect(await tmaiBalance(attempt.payer)).toBe(before - AMOUNT)
  })

  it('a permit someone else settled through another contract (Multicall3) still counts as paid to us', async () => {
    const attempt = await officialPayment(devnetAccount(4))
    const outsider = createWalletClient({
      chain: devnet.chain,
      account: devnetAccount(8),
      transport: http(devnet.rpcUrl),
    })
    const hash = await outsider.writeContract({
      address: CANONICAL.multicall3,
      abi: multicall3Abi,
      functionName: 'aggregate3',
      args: [
        [
          {
            target: CANONICAL.x402ExactPermit2Proxy,
            allowFailure: false,
            callData: encodeFunctionData({
              abi: x402ExactPermit2ProxyAbi,
              functionName: 'settle',
              args: settleArgs(attempt.payload),
            }),
          },
        ],
      ],
    })
    expect((await devnet.client.waitForTransactionReceipt({ hash })).status).toBe('success')
    expect(await scheme.resolve(attempt, null)).toEqual({ status: 'settled', txHash: hash })
  })

  it('an unused permit whose deadline has passed can never settle: failed', async () => {
    const attempt = await signedPayment(devnetAccount(5), { deadline: nowSeconds() - 30n })
    expect(await scheme.resolve(attempt, null)).toEqual({
      status: 'failed',
      reason: 'permit2_deadline_passed_unsettled',
    })
  })

  it('an unused permit still in its window is unresolved', async () => {
    const attempt = await officialPayment(devnetAccount(5))
    expect(await scheme.resolve(attempt, null)).toEqual({ status: 'unresolved' })
  })

  it('a nonce the payer invalidated is failed, and verify refuses it', async () => {
    const payer = devnetAccount(5)
    const attempt = await officialPayment(payer)
    const { wordPos, bit } = nonceBitPosition(BigInt(attempt.payload.permit2Authorization.nonce))
    const wallet = createWalletClient({ chain: devnet.chain, account: payer, transport: http(devnet.rpcUrl) })
    const hash = await wallet.writeContract({
      address: CANONICAL.permit2,
      abi: permit2Abi,
      functionName: 'invalidateUnorderedNonces',
      args: [wordPos, bit],
    })
    await devnet.client.waitForTransactionReceipt({ hash })
    expect(await scheme.verify(attempt)).toMatchObject({ ok: false, reason: 'permit2_invalid_nonce' })
    expect(await scheme.resolve(attempt, null)).toEqual({
      status: 'failed',
      reason: 'permit2_nonce_invalidated',
    })
  })

  it('settling a permit whose nonce another payment used fails with the revert reason and moves nothing', async () => {
    const payer = devnetAccount(2)
    const nonce = 77_000_000_000_000_000_001n
    const paid = await signedPayment(payer, { deadline: nowSeconds() + 60n, nonce })
    expect(await scheme.settle(paid, { onTxHash: async () => undefined })).toMatchObject({
      status: 'settled',
    })
    const reused = await signedPayment(payer, { deadline: nowSeconds() + 90n, nonce, amount: AMOUNT + 1n })
    const before = await tmaiBalance(payer.address)
    const outcome = await scheme.settle(
      { ...reused, offer: { ...offer, amountAtomic: AMOUNT + 1n } },
      { onTxHash: async () => undefined },
    )
    expect(outcome).toMatchObject({ status: 'failed', reason: 'permit2_invalid_nonce' })
    expect((outcome as { message: string }).message).toContain('InvalidNonce()')
    expect(await tmaiBalance(payer.address)).toBe(before)

    // Same owner, nonce and amount but another deadline: the transfer that used the nonce is not this permit.
    const twin = await signedPayment(payer, { deadline: nowSeconds() + 100n, nonce })
    expect(await scheme.resolve(twin, null)).toEqual({ status: 'unresolved' })
    // Once its deadline has passed, with the whole window searched, it can never pay us. "Passed" is by the chain's
    // clock (the latest block), which lags the wall clock between blocks.
    const latest = await devnet.client.getBlock({ blockTag: 'latest' })
    const expiredTwin = await signedPayment(payer, { deadline: latest.timestamp - 1n, nonce })
    expect(await scheme.resolve(expiredTwin, null)).toEqual({
      status: 'failed',
      reason: 'permit2_nonce_used_elsewhere',
    })
  })
})
