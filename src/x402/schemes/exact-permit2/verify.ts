import {
  type Address,
  encodeFunctionData,
  type Hex,
  hashTypedData,
  hexToBigInt,
  isAddressEqual,
  type PublicClient,
} from 'viem'
import { erc20Abi } from '../../../chain/abis'
import { type AggregateResult, aggregateCalls, revertText } from '../../../chain/aggregate-calls'
import { ChainUnavailableError } from '../../../chain/errors'
import {
  permit2Abi,
  permitWitnessTransferFromTypes,
  x402ExactPermit2ProxyCallAbi,
} from '../../../chain/permit2-abis'
import { CANONICAL } from '../../../config/networks'
import type { VerifyOutcome } from '../../facilitator'
import { isErc6492Signature, MIN_VALIDITY_SECONDS, signatureCalls, signatureValid } from '../evm'
import { nameCustomErrors, Permit2Reason } from './errors'
import { checksummed, nonceBitPosition, type Permit2Attempt, permit2Message, settleArgs } from './payload'

export interface Permit2VerifyDeps {
  /** The proxy's code and one `eth_call` (Multicall3 `aggregate3`), in parallel: one round trip. */
  client: Pick<PublicClient, 'call' | 'getCode'>
  /** The account that will broadcast the settlement (simulation runs as it). */
  settler: Address
  nowSeconds(): number
  clockSkewSeconds: number
}

const invalid = (reason: Permit2Reason, message: string): VerifyOutcome => ({ ok: false, reason, message })

type Permit2Message = ReturnType<typeof permit2Message>

/**
 * Verifies an `exact` Permit2 payment against the offer it was matched to: spender (the x402 proxy), recipient, token,
 * exact amount, time window, the EIP-712 signature (EOA and ERC-1271 smart wallets via viem's client
 * `verifyTypedData`), the payer's Permit2 allowance and balance, an unused Permit2 nonce, and a simulation of the very
 * `settle` call settlement will make. Returns a reason for the payer's mistakes; throws ChainUnavailableError when the
 * chain cannot be asked.
 */
export async function verifyExactPermit2(
  deps: Permit2VerifyDeps,
  attempt: Permit2Attempt,
): Promise<VerifyOutcome> {
  const signed = {
    message: permit2Message(attempt.payload.permit2Authorization),
    now: BigInt(deps.nowSeconds()),
  }
  const refused = termsProblem(deps, attempt, signed)
  if (refused) return refused
  const { owner, proxyCode, results } = await readChainState(deps, attempt, signed)
  const { message } = signed
  const { offer } = attempt
  const [recovered, erc1271, allowanceResult, balanceResult, bitmapResult, simulation] = results
  if (!signatureValid(owner, [recovered!, erc1271!])) {
    return invalid(Permit2Reason.invalidSignature, 'the signature does not match the permit and payer')
  }
  // Without code at the proxy a `settle` call "succeeds" and moves nothing.
  if (!proxyCode || proxyCode === '0x') {
    return invalid(
      Permit2Reason.proxyNotDeployed,
      `no x402 Permit2 proxy at ${CANONICAL.x402ExactPermit2Proxy}`,
    )
  }
  if (!allowanceResult?.success || !balanceResult?.success || !bitmapResult?.success) {
    throw new ChainUnavailableError('payment verification reads', {
      cause: new Error('the token or Permit2 did not answer allowance/balanceOf/nonceBitmap'),
    })
  }
  const allowance = hexToBigInt(allowanceResult.returnData)
  const balance = hexToBigInt(balanceResult.returnData)
  const bitmap = hexToBigInt(bitmapResult.returnData)
  if ((bitmap & nonceBitPosition(message.nonce).bit) !== 0n) {
    return invalid(Permit2Reason.invalidNonce, 'this Permit2 nonce was already used or invalidated')
  }
  if (allowance < message.permitted.amount) {
    return invalid(
      Permit2Reason.allowanceRequired,
      `approve Permit2 (${CANONICAL.permit2}) to spend ${offer.asset.symbol} first: allowance ${allowance} is below ${message.permitted.amount}`,
    )
  }
  if (balance < message.permitted.amount) {
    return invalid(
      Permit2Reason.insufficientBalance,
      `payer balance ${balance} is below ${message.permitted.amount}`,
    )
  }
  if (!simulation?.success) {
    const reason = nameCustomErrors(revertText(simulation?.returnData ?? '0x', x402ExactPermit2ProxyCallAbi))
    return invalid(Permit2Reason.simulationFailed, `settlement simulation reverted: ${reason}`)
  }
  return { ok: true }
}

/** What can be refused without the chain: spender, recipient, token, exact amount, time window, signature kind. */
function termsProblem(
  deps: Permit2VerifyDeps,
  { offer, payload }: Permit2Attempt,
  { message, now }: { message: Permit2Message; now: bigint },
): VerifyOutcome | undefined {
  const auth = payload.permit2Authorization
  if (!isAddressEqual(auth.spender, CANONICAL.x402ExactPermit2Proxy)) {
    return invalid(
      Permit2Reason.invalidSpender,
      `spender must be the x402 Permit2 proxy ${CANONICAL.x402ExactPermit2Proxy}`,
    )
  }
  if (!isAddressEqual(auth.witness.to, offer.payTo)) {
    return invalid(Permit2Reason.recipientMismatch, `witness.to must be ${offer.payTo}`)
  }
  if (!isAddressEqual(auth.permitted.token, offer.asset.address)) {
    return invalid(Permit2Reason.tokenMismatch, `permitted.token must be ${offer.asset.address}`)
  }
  if (message.permitted.amount !== offer.amountAtomic) {
    return invalid(Permit2Reason.amountMismatch, `permitted.amount must be exactly ${offer.amountAtomic}`)
  }
  if (message.deadline < now + MIN_VALIDITY_SECONDS) {
    return invalid(Permit2Reason.deadlineExpired, 'permit expired or expires within 6 seconds')
  }
  if (message.deadline > now + BigInt(offer.maxTimeoutSeconds + deps.clockSkewSeconds)) {
    return invalid(
      Permit2Reason.deadlineExpired,
      `permit deadline is further out than maxTimeoutSeconds (${offer.maxTimeoutSeconds})`,
    )
  }
  if (message.witness.validAfter > now) {
    return invalid(Permit2Reason.notYetValid, `permit is not valid before ${message.witness.validAfter}`)
  }
  // Permit2 checks contract signatures with ERC-1271 only, so a counterfactual wallet's payment could never settle.
  if (isErc6492Signature(payload.signature)) {
    return invalid(
      Permit2Reason.invalidSignature,
      'deploy the smart wallet before paying (ERC-6492 signatures are not settled)',
    )
  }
  return undefined
}

/**
 * One round trip: the proxy's code beside one eth_call proving the signature (ecrecover or ERC-1271), allowance,
 * balance, nonce and the very `settle` call settlement will make (run as Multicall3 runs it in a batch), at
 * wall-clock time (an idle chain's clock lags).
 */
async function readChainState(
  deps: Permit2VerifyDeps,
  { offer, payload }: Permit2Attempt,
  { message, now }: { message: Permit2Message; now: bigint },
): Promise<{ owner: Address; proxyCode: Hex | undefined; results: AggregateResult[] }> {
  const owner = checksummed(payload.permit2Authorization.from)
  const token = offer.asset.address
  const digest = hashTypedData({
    domain: { name: 'Permit2', chainId: offer.network.chainId, verifyingContract: CANONICAL.permit2 },
    types: permitWitnessTransferFromTypes,
    primaryType: 'PermitWitnessTransferFrom',
    message,
  })
  const { wordPos } = nonceBitPosition(message.nonce)
  try {
    const [proxyCode, results] = await Promise.all([
      deps.client.getCode({ address: CANONICAL.x402ExactPermit2Proxy }),
      aggregateCalls(deps.client, {
        account: deps.settler,
        time: now,
        calls: [
          ...signatureCalls(owner, digest, payload.signature as Hex),
          {
            target: token,
            callData: encodeFunctionData({
              abi: erc20Abi,
              functionName: 'allowance',
              args: [owner, CANONICAL.permit2],
            }),
          },
          {
            target: token,
            callData: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
          },
          {
            target: CANONICAL.permit2,
            callData: encodeFunctionData({
              abi: permit2Abi,
              functionName: 'nonceBitmap',
              args: [owner, wordPos],
            }),
          },
          {
            target: CANONICAL.x402ExactPermit2Proxy,
            callData: encodeFunctionData({
              abi: x402ExactPermit2ProxyCallAbi,
              functionName: 'settle',
              args: settleArgs(payload),
            }),
          },
        ],
      }),
    ])
    return { owner, proxyCode, results }
  } catch (error) {
    throw new ChainUnavailableError('payment verification', { cause: error })
  }
}
