/**
 * The x402 `upto` Permit2 proxy stand-in on the devnet: its own behaviour (every revert path), and the proof that
 * matters, that what the official @x402/evm `upto` client signs is accepted and settled by the official `upto`
 * facilitator against our contract, for an amount up to the signed maximum, with balances moving exactly.
 */
import { uptoPermit2WitnessTypes, x402UptoPermit2ProxyABI } from '@x402/evm'
import { UptoEvmScheme as UptoClient } from '@x402/evm/upto/client'
import { UptoEvmScheme as UptoFacilitator } from '@x402/evm/upto/facilitator'
import { type Address, type Hex, keccak256, maxUint256, parseEventLogs, toHex } from 'viem'
import type { HDAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { erc20Abi } from '../../src/chain/abis'
import { permit2Abi } from '../../src/chain/permit2-abis'
import { CANONICAL, NETWORKS } from '../../src/config/networks'
import { devnetAccount } from '../../src/devnet/accounts'
import { X402_STAND_INS } from '../../src/devnet/x402-stand-ins'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet'
import { devnetWallet, facilitatorSigner, gasOf } from '../helpers/x402-stand-ins'

const PROXY = X402_STAND_INS.uptoPermit2Proxy
const USDC = NETWORKS.devnet.usdc.address
const TMAI = NETWORKS.devnet.tmai!.address
/** The proxy's ABI as @x402/evm ships it, plus Permit2's errors so reverts from Permit2 decode by name. */
const callAbi = [...x402UptoPermit2ProxyABI, ...permit2Abi.filter((item) => item.type === 'error')] as const

const facilitator = devnetAccount(0)
const receiver = devnetAccount(12).address
const network = 'eip155:8453' as const
let devnet: TestDevnet
let nonceSeed = 1n

function requirements(asset: Address, amount: bigint) {
  return {
    scheme: 'upto',
    network,
    amount: amount.toString(),
    asset,
    payTo: receiver,
    maxTimeoutSeconds: 300,
    extra: { name: 'USD Coin', version: '2', facilitatorAddress: facilitator.address },
  }
}

interface UptoAuthorization {
  from: Address
  permitted: { token: Address; amount: string }
  spender: Address
  nonce: string
  deadline: string
  witness: { to: Address; facilitator: Address; validAfter: string }
}

/** The official client's payload for `amount` as the maximum. */
async function officialPayload(payer: HDAccount, asset: Address, max: bigint) {
  const client = new UptoClient(payer)
  const reqs = requirements(asset, max)
  const created = await client.createPaymentPayload(2, reqs)
  const payload = created.payload as { signature: Hex; permit2Authorization: UptoAuthorization }
  return { reqs, payload, paymentPayload: { x402Version: 2, accepted: reqs, payload } }
}

/** A payload signed by hand with the client's own EIP-712 types, for the fields the client never varies. */
async function signedPayload(
  signer: HDAccount,
  options: { owner?: Address; max?: bigint; deadline?: bigint; validAfter?: bigint; to?: Address } = {},
) {
  const now = (await devnet.client.getBlock()).timestamp
  const authorization: UptoAuthorization = {
    from: options.owner ?? signer.address,
    permitted: { token: USDC, amount: (options.max ?? 1_000_000n).toString() },
    spender: PROXY,
    nonce: (nonceSeed++ * 1_000_003n).toString(),
    deadline: (options.deadline ?? now + 600n).toString(),
    witness: {
      to: options.to ?? receiver,
      facilitator: facilitator.address,
      validAfter: (options.validAfter ?? 0n).toString(),
    },
  }
  const signature = await signer.signTypedData({
    domain: { name: 'Permit2', chainId: 8453, verifyingContract: CANONICAL.permit2 },
    types: uptoPermit2WitnessTypes,
    primaryType: 'PermitWitnessTransferFrom',
    message: {
      permitted: { token: USDC, amount: BigInt(authorization.permitted.amount) },
      spender: PROXY,
      nonce: BigInt(authorization.nonce),
      deadline: BigInt(authorization.deadline),
      witness: {
        to: authorization.witness.to,
        facilitator: facilitator.address,
        validAfter: BigInt(authorization.witness.validAfter),
      },
    },
  })
  return { signature, permit2Authorization: authorization }
}

/** `settle` arguments as the official facilitator builds them. */
function settleArgs(payload: { signature: Hex; permit2Authorization: UptoAuthorization }, amount: bigint) {
  const a = payload.permit2Authorization
  return [
    {
      permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) },
      nonce: BigInt(a.nonce),
      deadline: BigInt(a.deadline),
    },
    amount,
    a.from,
    { to: a.witness.to, facilitator: a.witness.facilitator, validAfter: BigInt(a.witness.validAfter) },
    payload.signature,
  ] as const
}

function simulateSettle(
  payload: { signature: Hex; permit2Authorization: UptoAuthorization },
  amount: bigint,
  caller: HDAccount = facilitator,
) {
  return devnet.client.simulateContract({
    account: caller,
    address: PROXY,
    abi: callAbi,
    functionName: 'settle',
    args: settleArgs(payload, amount),
  })
}

async function settle(payload: { signature: Hex; permit2Authorization: UptoAuthorization }, amount: bigint) {
  const hash = await devnetWallet(devnet, facilitator).writeContract({
    address: PROXY,
    abi: callAbi,
    functionName: 'settle',
    args: settleArgs(payload, amount),
  })
  return gasOf(devnet, hash)
}

const balanceOf = (token: Address, owner: Address) =>
  devnet.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] })

beforeAll(async () => {
  devnet = await startTestDevnet()
  // The devnet USDC has no EIP-2612 permit: payers 1 and 3 approve Permit2 for it once, as a real USDC payer would.
  for (const index of [1, 3]) {
    const hash = await devnetWallet(devnet, devnetAccount(index)).writeContract({
      address: USDC,
      abi: erc20Abi,
      functionName: 'approve',
      args: [CANONICAL.permit2, maxUint256],
    })
    await gasOf(devnet, hash)
  }
})
afterAll(async () => {
  await devnet?.stop()
})

describe('upto proxy stand-in: the official client and facilitator', () => {
  it('settles less than the signed USDC maximum: verify, settle, exact balances, nonce used', async () => {
    const payer = devnetAccount(1)
    const { reqs, paymentPayload } = await officialPayload(payer, USDC, 1_000_000n)
    const official = new UptoFacilitator(facilitatorSigner(devnet, facilitator))
    expect(await official.verify(paymentPayload as never, reqs as never)).toMatchObject({
      isValid: true,
      payer: payer.address,
    })
    const [payerBefore, receiverBefore] = [
      await balanceOf(USDC, payer.address),
      await balanceOf(USDC, receiver),
    ]
    const result = await official.settle(paymentPayload as never, { ...reqs, amount: '250000' } as never)
    expect(result).toMatchObject({ success: true, amount: '250000', payer: payer.address })
    expect(await balanceOf(USDC, payer.address)).toBe(payerBefore - 250_000n)
    expect(await balanceOf(USDC, receiver)).toBe(receiverBefore + 250_000n)
    const { gas, receipt } = await gasOf(devnet, result.transaction as Hex)
    expect(
      parseEventLogs({ abi: x402UptoPermit2ProxyABI, logs: receipt.logs }).map((l) => l.eventName),
    ).toEqual(['Settled'])
    console.info(`gas: upto settle (USDC, official facilitator) ${gas}`)
    // The same authorization cannot be settled again, for any amount.
    const again = await official.settle(paymentPayload as never, { ...reqs, amount: '1' } as never)
    expect(again.success).toBe(false)
  })

  it('settles the full maximum in TMAI (18 decimals) for a payer that approved Permit2 at devnet set-up', async () => {
    const payer = devnetAccount(2)
    const max = 5n * 10n ** 18n
    const { reqs, paymentPayload } = await officialPayload(payer, TMAI, max)
    const official = new UptoFacilitator(facilitatorSigner(devnet, facilitator))
    const before = await balanceOf(TMAI, payer.address)
    const result = await official.settle(
      paymentPayload as never,
      { ...reqs, amount: max.toString() } as never,
    )
    expect(result).toMatchObject({ success: true, amount: max.toString() })
    expect(await balanceOf(TMAI, payer.address)).toBe(before - max)
  })

  it('the official facilitator refuses above the signed maximum before sending anything', async () => {
    const { reqs, paymentPayload } = await officialPayload(devnetAccount(1), USDC, 1_000n)
    const official = new UptoFacilitator(facilitatorSigner(devnet, facilitator))
    const result = await official.settle(paymentPayload as never, { ...reqs, amount: '1001' } as never)
    expect(result).toMatchObject({
      success: false,
      errorReason: 'invalid_upto_evm_payload_settlement_exceeds_amount',
    })
  })

  it('a facilitator other than the one the payer named is refused by verify and by the contract', async () => {
    const { reqs, payload, paymentPayload } = await officialPayload(devnetAccount(1), USDC, 1_000n)
    const other = devnetAccount(11)
    const official = new UptoFacilitator(facilitatorSigner(devnet, other))
    expect(await official.verify(paymentPayload as never, reqs as never)).toMatchObject({
      isValid: false,
      invalidReason: 'upto_facilitator_mismatch',
    })
    await expect(simulateSettle(payload, 1_000n, other)).rejects.toThrow(/UnauthorizedFacilitator/)
  })
})

describe('upto proxy stand-in: contract behaviour', () => {
  const payer = () => devnetAccount(3)

  it('exposes Permit2 and the witness type the client signs', async () => {
    const read = (functionName: 'PERMIT2' | 'WITNESS_TYPE_STRING' | 'WITNESS_TYPEHASH') =>
      devnet.client.readContract({ address: PROXY, abi: x402UptoPermit2ProxyABI, functionName })
    expect(await read('PERMIT2')).toBe(CANONICAL.permit2)
    expect(await read('WITNESS_TYPE_STRING')).toBe(
      'Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)',
    )
    expect(await read('WITNESS_TYPEHASH')).toBe(
      keccak256(toHex('Witness(address to,address facilitator,uint256 validAfter)')),
    )
  })

  it('moves exactly the settled amount when it equals the maximum, and nothing above it', async () => {
    const payload = await signedPayload(payer(), { max: 7_000n })
    await expect(simulateSettle(payload, 7_001n)).rejects.toThrow(/AmountExceedsPermitted/)
    const before = await balanceOf(USDC, receiver)
    await settle(payload, 7_000n)
    expect(await balanceOf(USDC, receiver)).toBe(before + 7_000n)
  })

  it('a zero settlement moves nothing but uses the authorization up', async () => {
    const payload = await signedPayload(payer())
    const before = await balanceOf(USDC, payer().address)
    await settle(payload, 0n)
    expect(await balanceOf(USDC, payer().address)).toBe(before)
    await expect(simulateSettle(payload, 1n)).rejects.toThrow(/InvalidNonce/)
  })

  it('refuses a replayed nonce', async () => {
    const payload = await signedPayload(payer())
    await settle(payload, 10n)
    await expect(simulateSettle(payload, 10n)).rejects.toThrow(/InvalidNonce/)
  })

  it('refuses a signature by someone other than the owner', async () => {
    const forged = await signedPayload(devnetAccount(4), { owner: payer().address })
    await expect(simulateSettle(forged, 10n)).rejects.toThrow(/InvalidSigner/)
  })

  it('refuses a changed recipient (the witness is signed)', async () => {
    const payload = await signedPayload(payer())
    const redirected = {
      ...payload,
      permit2Authorization: {
        ...payload.permit2Authorization,
        witness: { ...payload.permit2Authorization.witness, to: devnetAccount(11).address },
      },
    }
    await expect(simulateSettle(redirected, 10n)).rejects.toThrow(/InvalidSigner/)
  })

  it('refuses an expired authorization', async () => {
    const now = (await devnet.client.getBlock()).timestamp
    const payload = await signedPayload(payer(), { deadline: now - 1n })
    await expect(simulateSettle(payload, 10n)).rejects.toThrow(/SignatureExpired/)
  })

  it('refuses before validAfter', async () => {
    const now = (await devnet.client.getBlock()).timestamp
    const payload = await signedPayload(payer(), { validAfter: now + 3_600n })
    await expect(simulateSettle(payload, 10n)).rejects.toThrow(/PaymentTooEarly/)
  })

  it('refuses a zero owner and a zero recipient', async () => {
    const payload = await signedPayload(payer())
    const args = settleArgs(payload, 10n)
    const call = (owner: Address, to: Address) =>
      devnet.client.simulateContract({
        account: facilitator,
        address: PROXY,
        abi: callAbi,
        functionName: 'settle',
        args: [args[0], args[1], owner, { ...args[3], to }, args[4]],
      })
    const zero = '0x0000000000000000000000000000000000000000'
    await expect(call(zero, receiver)).rejects.toThrow(/InvalidOwner/)
    await expect(call(payer().address, zero)).rejects.toThrow(/InvalidDestination/)
  })

  it('settleWithPermit: the EIP-2612 value must equal the maximum; a failing permit is skipped', async () => {
    const payload = await signedPayload(payer(), { max: 5_000n })
    const [permit, , owner, witness, signature] = settleArgs(payload, 4_000n)
    const permit2612 = (value: bigint) =>
      ({ value, deadline: maxUint256, r: toHex(1, { size: 32 }), s: toHex(2, { size: 32 }), v: 27 }) as const
    const call = (value: bigint) =>
      devnet.client.simulateContract({
        account: facilitator,
        address: PROXY,
        abi: callAbi,
        functionName: 'settleWithPermit',
        args: [permit2612(value), permit, 4_000n, owner, witness, signature],
      })
    await expect(call(4_000n)).rejects.toThrow(/Permit2612AmountMismatch/)
    // The devnet USDC has no permit(): the call fails inside the try and the existing Permit2 allowance settles.
    const before = await balanceOf(USDC, receiver)
    const { request } = await call(5_000n)
    const { receipt } = await gasOf(devnet, await devnetWallet(devnet, facilitator).writeContract(request))
    expect(await balanceOf(USDC, receiver)).toBe(before + 4_000n)
    expect(
      parseEventLogs({ abi: x402UptoPermit2ProxyABI, logs: receipt.logs }).map((l) => l.eventName),
    ).toEqual(['SettledWithPermit'])
  })
})
