import { BaseError } from 'viem'
import { describe, expect, it } from 'vitest'
import { fakeAggregateClient, type SubAnswer } from '../../../../test/helpers/fake-multicall'
import { eip3009Abi, erc20Abi } from '../../../chain/abis'
import { ChainUnavailableError, revertReason } from '../../../chain/errors'
import { NETWORKS } from '../../../config/networks'
import type { Eip3009PaymentAttempt } from '../../attempt'
import { buildOffers } from '../../offers'
import { type Eip3009VerifyDeps, verifyExactEip3009 } from './verify'

const NOW = 1_800_000_000
const payTo = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const [offer] = buildOffers({ network: NETWORKS.devnet, payTo, usdPrice: '0.017', maxTimeoutSeconds: 120 })

function attempt(
  change: Partial<Eip3009PaymentAttempt['payload']['authorization']> = {},
  signature?: string,
) {
  return {
    x402Version: 2,
    method: 'eip3009',
    offer: offer!,
    payer,
    wire: {} as Eip3009PaymentAttempt['wire'],
    payload: {
      signature: (signature ?? `0x${'11'.repeat(65)}`) as `0x${string}`,
      authorization: {
        from: payer,
        to: payTo,
        value: '17000',
        validAfter: String(NOW - 600),
        validBefore: String(NOW + 100),
        nonce: `0x${'01'.repeat(32)}`,
        ...change,
      },
    },
  } as Eip3009PaymentAttempt
}

/** A chain port whose answers each case sets (one aggregate3 eth_call); records the simulation it was asked for. */
function fakeClient(answers: {
  signature?: boolean | Error
  balance?: bigint
  used?: boolean
  simulation?: true | Error
  reads?: Error
}) {
  const fake = fakeAggregateClient([erc20Abi, eip3009Abi], (call): SubAnswer => {
    switch (call.functionName) {
      case 'ecrecover':
        if (answers.signature instanceof Error && !revertReason(answers.signature)) throw answers.signature
        return { value: answers.signature === undefined || answers.signature === true ? payer : settler }
      case 'isValidSignature':
        // An EOA has no code: the call "succeeds" with nothing in it; a wallet contract may revert.
        return answers.signature instanceof Error ? { revert: answers.signature.message } : { raw: '0x' }
      case 'balanceOf':
        if (answers.reads) throw answers.reads
        return { value: answers.balance ?? 1_000_000n }
      case 'authorizationState':
        if (answers.reads) throw answers.reads
        return { value: answers.used ?? false }
      case 'transferWithAuthorization':
        if (answers.simulation instanceof Error) {
          const reason = revertReason(answers.simulation)
          if (!reason) throw answers.simulation
          return { revert: reason }
        }
        return { raw: '0x' }
      default:
        throw new Error(`unexpected call ${call.functionName}`)
    }
  })
  const client: Eip3009VerifyDeps['client'] = { call: fake.call }
  const simulations = () =>
    fake.records.flatMap((r) =>
      r.calls
        .filter((c) => c.functionName === 'transferWithAuthorization')
        .map((c) => ({ account: r.account, blockOverrides: r.blockOverrides, functionName: c.functionName })),
    )
  return {
    deps: { client, settler, nowSeconds: () => NOW, clockSkewSeconds: 15 } as Eip3009VerifyDeps,
    simulations,
    records: fake.records,
  }
}

const revert = (reason: string) => new BaseError(`execution reverted: ${reason}`)
const outage = () => new Error('fetch failed: ECONNREFUSED')

describe('verifyExactEip3009 against a fake chain port', () => {
  it('accepts a good payment, simulating the exact transfer at wall-clock time', async () => {
    const { deps, simulations, records } = fakeClient({})
    expect(await verifyExactEip3009(deps, attempt())).toEqual({ ok: true })
    // One round trip: signature, balance, nonce and the transfer in a single aggregate3 call.
    expect(records).toHaveLength(1)
    expect(simulations()[0]).toMatchObject({
      account: settler,
      functionName: 'transferWithAuthorization',
      blockOverrides: { time: BigInt(NOW) },
    })
  })

  it.each<[string, ReturnType<typeof attempt>, Parameters<typeof fakeClient>[0], string]>([
    ['another recipient', attempt({ to: payer }), {}, 'invalid_exact_evm_recipient_mismatch'],
    [
      'another amount',
      attempt({ value: '16999' }),
      {},
      'invalid_exact_evm_payload_authorization_value_mismatch',
    ],
    [
      'validAfter in the future',
      attempt({ validAfter: String(NOW + 5) }),
      {},
      'invalid_exact_evm_payload_authorization_valid_after',
    ],
    [
      'validBefore within 6 s',
      attempt({ validBefore: String(NOW + 5) }),
      {},
      'invalid_exact_evm_payload_authorization_valid_before',
    ],
    [
      'validBefore beyond maxTimeoutSeconds + skew',
      attempt({ validBefore: String(NOW + 136) }),
      {},
      'invalid_exact_evm_payload_authorization_valid_before',
    ],
    [
      'an ERC-6492 (undeployed wallet) signature',
      attempt({}, `0x${'aa'.repeat(40)}${'6492'.repeat(16)}`),
      {},
      'invalid_exact_evm_payload_undeployed_smart_wallet',
    ],
    ['a signature that does not match', attempt(), { signature: false }, 'invalid_exact_evm_signature'],
    [
      'a signature the wallet contract rejects',
      attempt(),
      { signature: revert('bad sig') },
      'invalid_exact_evm_signature',
    ],
    ['a used nonce', attempt(), { used: true }, 'invalid_exact_evm_nonce_already_used'],
    ['too little balance', attempt(), { balance: 16_999n }, 'invalid_exact_evm_insufficient_balance'],
    [
      'a simulation that reverts',
      attempt(),
      { simulation: revert('FiatTokenV2: invalid signature') },
      'invalid_exact_evm_transaction_simulation_failed',
    ],
  ])('refuses %s with its x402 reason', async (_what, payment, answers, reason) => {
    expect(await verifyExactEip3009(fakeClient(answers).deps, payment)).toMatchObject({ ok: false, reason })
  })

  it('a just-valid window is accepted: validBefore = now + 6 and now + maxTimeoutSeconds + skew', async () => {
    for (const validBefore of [NOW + 6, NOW + 135]) {
      expect(
        await verifyExactEip3009(fakeClient({}).deps, attempt({ validBefore: String(validBefore) })),
      ).toEqual({
        ok: true,
      })
    }
  })

  it.each<[string, Parameters<typeof fakeClient>[0]]>([
    ['signature check', { signature: outage() }],
    ['balance and nonce reads', { reads: outage() }],
    ['simulation', { simulation: outage() }],
  ])(
    'throws ChainUnavailableError when the %s cannot reach the chain (fail closed)',
    async (_what, answers) => {
      await expect(verifyExactEip3009(fakeClient(answers).deps, attempt())).rejects.toBeInstanceOf(
        ChainUnavailableError,
      )
    },
  )
})
