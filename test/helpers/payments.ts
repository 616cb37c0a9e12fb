import { randomBytes } from 'node:crypto'
import type { Address, LocalAccount } from 'viem'
import { transferWithAuthorizationTypes } from '../../src/chain/abis'
import { NETWORKS } from '../../src/config/networks'
import { encodeHeader } from '../../src/x402/codec'
import type { PaymentRequirementsV2 } from '../../src/x402/schemas'

export interface AuthorizationOverrides {
  to?: Address
  value?: bigint
  validAfter?: bigint
  validBefore?: bigint
  nonce?: `0x${string}`
  from?: Address
  /** Sign with this account instead of the payer (a forged signature). */
  signer?: LocalAccount
  verifyingContract?: Address
}

/** Signs an EIP-3009 TransferWithAuthorization for devnet USDC as the official clients do. */
export async function signUsdcAuthorization(payer: LocalAccount, overrides: AuthorizationOverrides = {}) {
  const usdc = NETWORKS.devnet.usdc
  const now = BigInt(Math.floor(Date.now() / 1000))
  const authorization = {
    from: overrides.from ?? payer.address,
    to: overrides.to ?? ('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as Address),
    value: overrides.value ?? 17_000n,
    validAfter: overrides.validAfter ?? now - 600n,
    validBefore: overrides.validBefore ?? now + 100n,
    nonce: overrides.nonce ?? (`0x${randomBytes(32).toString('hex')}` as `0x${string}`),
  }
  const signature = await (overrides.signer ?? payer).signTypedData({
    domain: {
      name: usdc.eip712!.name,
      version: usdc.eip712!.version,
      chainId: 8453,
      verifyingContract: overrides.verifyingContract ?? usdc.address,
    },
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization',
    message: authorization,
  })
  return {
    signature,
    authorization: {
      from: authorization.from,
      to: authorization.to,
      value: authorization.value.toString(),
      validAfter: authorization.validAfter.toString(),
      validBefore: authorization.validBefore.toString(),
      nonce: authorization.nonce,
    },
  }
}

export type SignedAuthorization = Awaited<ReturnType<typeof signUsdcAuthorization>>

export function usdcRequirementV2(overrides: Partial<PaymentRequirementsV2> = {}): PaymentRequirementsV2 {
  return {
    scheme: 'exact',
    network: 'eip155:8453',
    asset: NETWORKS.devnet.usdc.address,
    amount: '17000',
    payTo: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    maxTimeoutSeconds: 120,
    extra: { name: 'USD Coin', version: '2' },
    ...overrides,
  }
}

export const v2Header = (
  payload: SignedAuthorization,
  accepted: PaymentRequirementsV2 = usdcRequirementV2(),
) => encodeHeader({ x402Version: 2, accepted, payload })

export const v1Header = (payload: SignedAuthorization, network = 'base') =>
  encodeHeader({ x402Version: 1, scheme: 'exact', network, payload })

export const decodeHeaderJson = (value: string | null) =>
  value ? (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>) : undefined
