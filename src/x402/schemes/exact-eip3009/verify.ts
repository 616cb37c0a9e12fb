import { type Address, isAddressEqual, type PublicClient } from 'viem'
import { eip3009Abi, erc20Abi, transferWithAuthorizationTypes } from '../../../chain/abis'
import { ChainUnavailableError, revertReason } from '../../../chain/errors'
import type { Eip3009PaymentAttempt as PaymentAttempt } from '../../attempt'
import type { VerifyOutcome } from '../../facilitator'
import { Reason } from '../../reasons'
import { isErc6492Signature, MIN_VALIDITY_SECONDS } from '../evm'

export interface Eip3009VerifyDeps {
  client: Pick<PublicClient, 'verifyTypedData' | 'readContract' | 'simulateContract'>
  /** The account that will broadcast the settlement (simulation runs as it). */
  settler: Address
  nowSeconds(): number
  clockSkewSeconds: number
}

const invalid = (reason: Reason, message: string): VerifyOutcome => ({ ok: false, reason, message })

/**
 * Verifies an EIP-3009 `exact` payment against the offer it was matched to: recipient, exact amount, time window,
 * signature (EOA and ERC-1271 smart wallets via viem's client `verifyTypedData`), balance, unused nonce, and a
 * simulation of the very call settlement will make. Returns a reason for the payer's mistakes; throws
 * ChainUnavailableError when the chain cannot be asked.
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
  let signatureValid: boolean
  try {
    signatureValid = await deps.client.verifyTypedData({
      address: message.from,
      domain: {
        name: offer.asset.eip712.name,
        version: offer.asset.eip712.version,
        chainId: offer.network.chainId,
        verifyingContract: offer.asset.address,
      },
      types: transferWithAuthorizationTypes,
      primaryType: 'TransferWithAuthorization',
      message,
      signature: payload.signature as `0x${string}`,
    })
  } catch (error) {
    if (revertReason(error)) signatureValid = false
    else throw new ChainUnavailableError('signature verification', { cause: error })
  }
  if (!signatureValid)
    return invalid(Reason.invalidSignature, 'the signature does not match the authorization and payer')

  const token = offer.asset.address
  const [balance, used, simulation] = await Promise.all([
    deps.client.readContract({
      address: token,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [message.from],
    }),
    deps.client.readContract({
      address: token,
      abi: eip3009Abi,
      functionName: 'authorizationState',
      args: [message.from, message.nonce],
    }),
    deps.client
      .simulateContract({
        account: deps.settler,
        // At wall-clock time, not the latest block's: settlement lands in a later block, and an idle chain (a devnet
        // mines only on transactions) would otherwise refuse an authorization whose validAfter is past its last block.
        blockOverrides: { time: now },
        address: token,
        abi: eip3009Abi,
        functionName: 'transferWithAuthorization',
        args: [
          message.from,
          message.to,
          value,
          validAfter,
          validBefore,
          message.nonce,
          payload.signature as `0x${string}`,
        ],
      })
      .then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
  ]).catch((error: unknown) => {
    throw new ChainUnavailableError('payment verification reads', { cause: error })
  })

  if (used) return invalid(Reason.nonceAlreadyUsed, 'this authorization nonce was already used or canceled')
  if (balance < value)
    return invalid(Reason.insufficientBalance, `payer balance ${balance} is below ${value}`)
  if (!simulation.ok) {
    const reason = revertReason(simulation.error)
    if (!reason) throw new ChainUnavailableError('transfer simulation', { cause: simulation.error })
    return invalid(Reason.simulationFailed, `transfer simulation reverted: ${reason}`)
  }
  return { ok: true }
}
