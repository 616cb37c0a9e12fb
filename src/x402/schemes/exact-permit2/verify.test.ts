import { BaseError } from 'viem'
import { describe, expect, it } from 'vitest'
import { fakeAggregateClient, type SubAnswer } from '../../../../test/helpers/fake-multicall'
import { erc20Abi } from '../../../chain/abis'
import { ChainUnavailableError, revertReason } from '../../../chain/errors'
import { permit2Abi, x402ExactPermit2ProxyCallAbi } from '../../../chain/permit2-abis'
import { CANONICAL, NETWORKS } from '../../../config/networks'
import { offerFromQuote } from '../../offers'
import type { Permit2Authorization } from '../../schemas'
import { nonceBitPosition, type Permit2Attempt } from './payload'
import { type Permit2VerifyDeps, verifyExactPermit2 } from './verify'

const NOW = 1_800_000_000
const payTo = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as const
const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const
const settler = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const AMOUNT = 21_857_142_857_142_857_143n
const offer = offerFromQuote(
  { network: NETWORKS.devnet, payTo, usdPrice: '0.017', maxTimeoutSeconds: 120 },
  {
    route: '/v1/x',
    amountAtomic: AMOUNT,
    usdMicros: 15_300n,
    discount: '0.10',
    rateUsd: '0.0007',
    source: 'fixed',
    observedAt: 0,
    expiresAt: 0,
  },
)!
const NONCE = 777n

const PERMITTED = { token: offer.asset.address, amount: AMOUNT.toString() }
const WITNESS = { to: payTo, validAfter: String(NOW - 600) }

function attempt(change: Partial<Permit2Authorization> = {}, signature?: string): Permit2Attempt {
  const auth: Permit2Authorization = {
    from: payer,
    permitted: PERMITTED,
    spender: CANONICAL.x402ExactPermit2Proxy,
    nonce: NONCE.toString(),
    deadline: String(NOW + 100),
    witness: WITNESS,
    ...change,
  }
  return {
    offer,
    payer,
    payload: {
      signature: (signature ?? `0x${'22'.repeat(65)}`) as `0x${string}`,
      permit2Authorization: auth,
    },
  }
}

interface Answers {
  signature?: boolean | Error
  proxyCode?: `0x${string}` | undefined
  allowance?: bigint
  balance?: bigint
  nonceUsed?: boolean
  simulation?: true | Error
  reads?: Error
}

/** One aggregate3 eth_call answered subcall by subcall, plus the proxy's code; records the simulations. */
function fakeClient(answers: Answers) {
  const { bit } = nonceBitPosition(NONCE)
  const fake = fakeAggregateClient(
    [erc20Abi, permit2Abi, x402ExactPermit2ProxyCallAbi],
    (call): SubAnswer => {
      switch (call.functionName) {
        case 'ecrecover':
          if (answers.signature instanceof Error && !revertReason(answers.signature)) throw answers.signature
          return { value: answers.signature === false ? settler : payer }
        case 'isValidSignature':
          return { raw: '0x' }
        case 'allowance':
          if (answers.reads) throw answers.reads
          return { value: answers.allowance ?? 2n ** 255n }
        case 'balanceOf':
          if (answers.reads) throw answers.reads
          return { value: answers.balance ?? AMOUNT * 10n }
        case 'nonceBitmap':
          if (answers.reads) throw answers.reads
          return { value: answers.nonceUsed ? bit : 0n }
        case 'settle':
          if (answers.simulation instanceof Error) return { revert: answers.simulation.message }
          return { raw: '0x' }
        default:
          throw new Error(`unexpected call ${call.functionName}`)
      }
    },
  )
  const client: Permit2VerifyDeps['client'] = {
    call: fake.call,
    getCode: (async () => {
      if (answers.reads) throw answers.reads
      return 'proxyCode' in answers ? answers.proxyCode : '0x6080'
    }) as never,
  }
  const simulations = () =>
    fake.records.flatMap((r) =>
      r.calls
        .filter((c) => c.functionName === 'settle')
        .map((c) => ({ address: c.target, functionName: c.functionName, blockOverrides: r.blockOverrides })),
    )
  return {
    deps: { client, settler, nowSeconds: () => NOW, clockSkewSeconds: 15 } as Permit2VerifyDeps,
    simulations,
    records: fake.records,
  }
}

const revert = (reason: string) => new BaseError(`execution reverted: ${reason}`)

describe('verifyExactPermit2 against a fake chain port', () => {
  it('accepts a good permit, simulating the proxy settle call at wall-clock time', async () => {
    const { deps, simulations, records } = fakeClient({})
    expect(await verifyExactPermit2(deps, attempt())).toEqual({ ok: true })
    expect(records).toHaveLength(1)
    expect(simulations()[0]).toMatchObject({
      address: CANONICAL.x402ExactPermit2Proxy,
      functionName: 'settle',
      blockOverrides: { time: BigInt(NOW) },
    })
  })

  it.each<[string, Permit2Attempt, Answers, string]>([
    ['another spender', attempt({ spender: payer }), {}, 'invalid_permit2_spender'],
    [
      'another recipient',
      attempt({ witness: { ...WITNESS, to: payer } }),
      {},
      'invalid_permit2_recipient_mismatch',
    ],
    ['another token', attempt({ permitted: { ...PERMITTED, token: payer } }), {}, 'permit2_token_mismatch'],
    ['another amount', attempt({ permitted: { ...PERMITTED, amount: '1' } }), {}, 'permit2_amount_mismatch'],
    ['a deadline within 6 s', attempt({ deadline: String(NOW + 5) }), {}, 'permit2_deadline_expired'],
    [
      'a deadline beyond the window',
      attempt({ deadline: String(NOW + 200) }),
      {},
      'permit2_deadline_expired',
    ],
    [
      'validAfter in the future',
      attempt({ witness: { ...WITNESS, validAfter: String(NOW + 10) } }),
      {},
      'permit2_not_yet_valid',
    ],
    [
      'an ERC-6492 signature',
      attempt({}, `0x${'aa'.repeat(40)}${'6492'.repeat(16)}`),
      {},
      'invalid_permit2_signature',
    ],
    ['a signature that does not match', attempt(), { signature: false }, 'invalid_permit2_signature'],
    ['no proxy at the canonical address', attempt(), { proxyCode: undefined }, 'permit2_proxy_not_deployed'],
    ['a used nonce', attempt(), { nonceUsed: true }, 'permit2_invalid_nonce'],
    ['no Permit2 approval', attempt(), { allowance: 0n }, 'permit2_allowance_required'],
    ['too little balance', attempt(), { balance: AMOUNT - 1n }, 'permit2_insufficient_balance'],
    [
      'a reverting simulation',
      attempt(),
      { simulation: revert('InvalidSigner()') },
      'permit2_simulation_failed',
    ],
  ])('refuses %s with its x402 reason', async (_what, payment, answers, reason) => {
    expect(await verifyExactPermit2(fakeClient(answers).deps, payment)).toMatchObject({ ok: false, reason })
  })

  it('throws ChainUnavailableError when the chain cannot be read (fail closed)', async () => {
    await expect(
      verifyExactPermit2(fakeClient({ reads: new Error('ECONNREFUSED') }).deps, attempt()),
    ).rejects.toBeInstanceOf(ChainUnavailableError)
    await expect(
      verifyExactPermit2(fakeClient({ signature: new Error('socket hang up') }).deps, attempt()),
    ).rejects.toBeInstanceOf(ChainUnavailableError)
  })
})
