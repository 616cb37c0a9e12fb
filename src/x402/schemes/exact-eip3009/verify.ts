import {
  type Address,
  encodeFunctionData,
  hashTypedData,
  hexToBigInt,
  isAddressEqual,
  type PublicClient,
} from 'viem'
import { eip3009Abi, erc20Abi, transferWithAuthorizationTypes } from '../../../chain/abis'
import { type AggregateResult, aggregateCalls, revertText } from '../../../chain/aggregate-calls'
import { ChainUnavailableError } from '../../../chain/errors'
import type { Eip3009PaymentAttempt as PaymentAttempt } from '../../attempt'
import type { VerifyOutcome } from '../../facilitator'
import { Reason } from '../../reasons'
import { isErc6492Signature, MIN_VALIDITY_SECONDS, signatureCalls, signatureValid } from '../evm'

export interface Eip3009VerifyDeps {
  /** One `eth_call` (Multicall3 `aggregate3`) proves signature, balance, nonce and the transfer together. */
  client: Pick<PublicClient, 'call'>
  /** The account that will broadcast the settlement (simulation runs as it). */
  settler: Address
  nowSeconds(): number
  clockSkewSeconds: number
}

const invalid = (reason: Reason, message: string): VerifyOutcome => ({ ok: false, reason, message })

/**
 * Verifies an EIP-3009 `exact` payment against the offer it was matched to: recipient, exact amount and time window
 * locally; then, in one round trip, the signature (EOA through ecrecover, ERC-1271 smart wallets through
 * `isValidSignature`, as viem's `verifyTypedData` decides), balance, unused nonce, and a simulation of the very call
 * settlement will make. Returns a reason for the payer's mistakes; throws ChainUnavailableError when the chain
 * cannot be asked.
 */
export async function verifyExactEip3009(
  deps: Eip3009VerifyDeps,
  attempt: PaymentAttempt,
): Promise<VerifyOutcome> {
  const { offer, payload } = attempt
  const auth = payload.authorization
  const now = BigInt(deps.nowSeconds())
  const validAfter = BigInt(auth.validAfter)
  const validBefore = BigInt(auth.validBefore)
  const value = BigInt(auth.value)

  if (!isAddressEqual(auth.to, offer.payTo)) {
    return invalid(Reason.recipientMismatch, `authorization.to must be ${offer.payTo}`)
  }
  if (value !== offer.amountAtomic) {
    return invalid(Reason.valueMismatch, `authorization.value must be exactly ${offer.amountAtomic}`)
  }
  if (validAfter > now) return invalid(Reason.validAfter, `authorization is not valid before ${validAfter}`)
  if (validBefore < now + MIN_VALIDITY_SECONDS) {
    return invalid(Reason.validBefore, 'authorization expired or expires within 6 seconds')
  }
  const latestAllowed = now + BigInt(offer.maxTimeoutSeconds + deps.clockSkewSeconds)
  if (validBefore > latestAllowed) {
    return invalid(
      Reason.validBefore,
      `authorization.validBefore is further out than maxTimeoutSeconds (${offer.maxTimeoutSeconds})`,
    )
  }
  if (isErc6492Signature(payload.signature)) {
    return invalid(
      Reason.undeployedSmartWallet,
      'deploy the smart wallet before paying (ERC-6492 signatures are not settled)',
    )
  }
  if (!offer.asset.eip712)
    return invalid(Reason.invalidScheme, `${offer.asset.symbol} has no EIP-3009 domain`)

  const message = {
    from: auth.from,
    to: auth.to,
    value,
    validAfter,
    validBefore,
    nonce: auth.nonce as `0x${string}`,
  }
  const token = offer.asset.address
  const signature = payload.signature as `0x${string}`
  const digest = hashTypedData({
    domain: {
      name: offer.asset.eip712.name,
      version: offer.asset.eip712.version,
      chainId: offer.network.chainId,
      verifyingContract: token,
    },
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message,
  })
  // Everything the chain must confirm, in one eth_call: the signature (ecrecover or ERC-1271), the balance, the
  // authorization state, and the very transfer settlement will make (run as Multicall3 runs it in a batch), at
  // wall-clock time rather than the latest block's (an idle devnet mines only on transactions, so its clock lags).
  let results: AggregateResult[]
  try {
    results = await aggregateCalls(deps.client, {
      account: deps.settler,
      time: now,
      calls: [
        ...signatureCalls(message.from, digest, signature),
        {
          target: token,
          callData: encodeFunctionData({ abi: erc20Abi, functionName: 'balanceOf', args: [message.from] }),
        },
        {
          target: token,
          callData: encodeFunctionData({
            abi: eip3009Abi,
            functionName: 'authorizationState',
            args: [message.from, message.nonce],
          }),
        },
        {
          target: token,
          callData: encodeFunctionData({
            abi: eip3009Abi,
            functionName: 'transferWithAuthorization',
            args: [message.from, message.to, value, validAfter, validBefore, message.nonce, signature],
          }),
        },
      ],
    })
  } catch (error) {
    throw new ChainUnavailableError('payment verification', { cause: error })
  }
  const [recovered, erc1271, balanceResult, usedResult, simulation] = results
  if (!signatureValid(message.from, [recovered!, erc1271!]))
    return invalid(Reason.invalidSignature, 'the signature does not match the authorization and payer')
  if (!balanceResult?.success || !usedResult?.success) {
    throw new ChainUnavailableError('payment verification reads', {
      cause: new Error(`${token} did not answer balanceOf/authorizationState`),
    })
  }
  const balance = hexToBigInt(balanceResult.returnData)
  const used = hexToBigInt(usedResult.returnData) !== 0n

  if (used) return invalid(Reason.nonceAlreadyUsed, 'this authorization nonce was already used or canceled')
  if (balance < value)
    return invalid(Reason.insufficientBalance, `payer balance ${balance} is below ${value}`)
  if (!simulation?.success) {
    return invalid(
      Reason.simulationFailed,
      `transfer simulation reverted: ${revertText(simulation?.returnData ?? '0x')}`,
    )
  }
  return { ok: true }
}
