import type { Address } from 'viem'
import { z } from 'zod'
import { UintString } from '../x402/schemas'

/**
 * The payer-signed spend policy (EIP-712). USD amounts are integer micro-dollars (6 decimals, like USDC atomic
 * units), `validUntil` is unix seconds, and `nonce` must grow with every new policy (replay protection).
 */
export const spendPolicyTypes = {
  SpendPolicy: [
    { name: 'payer', type: 'address' },
    { name: 'maxUsdPerCall', type: 'uint256' },
    { name: 'maxUsdPerDay', type: 'uint256' },
    { name: 'validUntil', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const

export const spendPolicyDomain = (chainId: number) =>
  ({ name: 'x402-analytics', version: '1', chainId }) as const

export const SignedSpendPolicy = z.object({
  policy: z.object({
    payer: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address'),
    maxUsdPerCall: UintString,
    maxUsdPerDay: UintString,
    validUntil: UintString,
    nonce: UintString,
  }),
  signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'a hex signature'),
})
export type SignedSpendPolicy = z.infer<typeof SignedSpendPolicy>

export function spendPolicyMessage(policy: SignedSpendPolicy['policy']) {
  return {
    payer: policy.payer as Address,
    maxUsdPerCall: BigInt(policy.maxUsdPerCall),
    maxUsdPerDay: BigInt(policy.maxUsdPerDay),
    validUntil: BigInt(policy.validUntil),
    nonce: BigInt(policy.nonce),
  }
}

/** Nonces are stored zero-padded so SQLite's text comparison orders them like the uint256 values they are. */
export const padNonce = (nonce: string) => nonce.padStart(78, '0')
