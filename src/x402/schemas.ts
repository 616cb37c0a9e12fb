import { getAddress, maxUint256 } from 'viem'
import { z } from 'zod'

// ---------------------------------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------------------------------

/**
 * A 20-byte address, checksummed on the way in. All-lower- or all-upper-case hex carries no checksum (EIP-55) and is
 * accepted as is; mixed case must be a valid checksum, so a mistyped address is the client's error, not ours.
 */
export const EvmAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x-prefixed 20-byte address')
  .refine((value) => {
    const hex = value.slice(2)
    return hex === hex.toLowerCase() || hex === hex.toUpperCase() || getAddress(value.toLowerCase()) === value
  }, 'a mixed-case address with a wrong EIP-55 checksum')
  .transform((value) => getAddress(value.toLowerCase()))
/** Non-negative integer in decimal, at most uint256 (78 digits). */
export const UintString = z.string().regex(/^[0-9]{1,78}$/, 'a non-negative integer string')
export const Bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex value')
/** EOA (65 bytes), ERC-1271 or ERC-6492 signatures: any even-length hex, bounded by the header size limit. */
export const HexSignature = z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'a 0x-prefixed hex signature')

// ---------------------------------------------------------------------------------------------------------------------
// Scheme payloads
// ---------------------------------------------------------------------------------------------------------------------

export const Eip3009Authorization = z.object({
  from: EvmAddress,
  to: EvmAddress,
  value: UintString,
  validAfter: UintString,
  validBefore: UintString,
  nonce: Bytes32,
})
export type Eip3009Authorization = z.infer<typeof Eip3009Authorization>

export const ExactEip3009Payload = z.object({ signature: HexSignature, authorization: Eip3009Authorization })
export type ExactEip3009Payload = z.infer<typeof ExactEip3009Payload>

/** A uint256 in decimal: x402 clients send the Permit2 nonce as a random 256-bit integer, so up to 78 digits. */
const Uint256String = UintString.refine((value) => BigInt(value) <= maxUint256, 'at most 2^256 - 1')

/** `payload.permit2Authorization` as x402 v2 clients send it (@x402/evm 2.27 `ExactPermit2Payload`). */
export const Permit2Authorization = z.object({
  from: EvmAddress,
  permitted: z.object({ token: EvmAddress, amount: Uint256String }),
  /** The x402 exact Permit2 proxy: the only contract allowed to use the signature. */
  spender: EvmAddress,
  nonce: Uint256String,
  deadline: Uint256String,
  witness: z.object({ to: EvmAddress, validAfter: Uint256String }),
})
export type Permit2Authorization = z.infer<typeof Permit2Authorization>
/** As it arrives, before addresses are checksummed. */
export type Permit2AuthorizationWire = z.input<typeof Permit2Authorization>

export const ExactPermit2Payload = z.object({
  signature: HexSignature,
  permit2Authorization: Permit2Authorization,
})
export type ExactPermit2Payload = z.infer<typeof ExactPermit2Payload>

// ---------------------------------------------------------------------------------------------------------------------
// x402 v1 (body-based 402, X-PAYMENT / X-PAYMENT-RESPONSE)
// ---------------------------------------------------------------------------------------------------------------------

export const PaymentRequirementsV1 = z.object({
  scheme: z.literal('exact'),
  network: z.string(),
  maxAmountRequired: UintString,
  resource: z.string(),
  description: z.string(),
  mimeType: z.string(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  payTo: EvmAddress,
  maxTimeoutSeconds: z.number().int().positive(),
  asset: EvmAddress,
  extra: z.record(z.string(), z.unknown()).optional(),
})
export type PaymentRequirementsV1 = z.infer<typeof PaymentRequirementsV1>

export const PaymentRequiredV1 = z.object({
  x402Version: z.literal(1),
  error: z.string(),
  accepts: z.array(PaymentRequirementsV1),
})
export type PaymentRequiredV1 = z.infer<typeof PaymentRequiredV1>

export const PaymentPayloadV1 = z.object({
  x402Version: z.literal(1),
  scheme: z.string(),
  network: z.string(),
  payload: z.unknown(),
})
export type PaymentPayloadV1 = z.infer<typeof PaymentPayloadV1>

// ---------------------------------------------------------------------------------------------------------------------
// x402 v2 (PAYMENT-REQUIRED / PAYMENT-SIGNATURE / PAYMENT-RESPONSE headers, CAIP-2 networks)
// ---------------------------------------------------------------------------------------------------------------------

export const ResourceInfo = z.object({
  url: z.string(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
})
export type ResourceInfo = z.infer<typeof ResourceInfo>

export const PaymentRequirementsV2 = z.object({
  scheme: z.string(),
  network: z.string(),
  asset: EvmAddress,
  amount: UintString,
  payTo: EvmAddress,
  maxTimeoutSeconds: z.number().int().positive(),
  extra: z.record(z.string(), z.unknown()).default({}),
})
export type PaymentRequirementsV2 = z.infer<typeof PaymentRequirementsV2>

export const PaymentRequiredV2 = z.object({
  x402Version: z.literal(2),
  error: z.string().optional(),
  resource: ResourceInfo,
  accepts: z.array(PaymentRequirementsV2),
  extensions: z.record(z.string(), z.unknown()).optional(),
})
export type PaymentRequiredV2 = z.infer<typeof PaymentRequiredV2>

export const PaymentPayloadV2 = z.object({
  x402Version: z.literal(2),
  resource: ResourceInfo.optional(),
  accepted: PaymentRequirementsV2,
  payload: z.unknown(),
  extensions: z.record(z.string(), z.unknown()).optional(),
})
export type PaymentPayloadV2 = z.infer<typeof PaymentPayloadV2>

// ---------------------------------------------------------------------------------------------------------------------
// Settlement response (both versions; `network` is the v1 name or the CAIP-2 id)
// ---------------------------------------------------------------------------------------------------------------------

export const SettlementResponse = z.object({
  success: z.boolean(),
  errorReason: z.string().optional(),
  transaction: z.string(),
  network: z.string(),
  payer: z.string().optional(),
})
export type SettlementResponse = z.infer<typeof SettlementResponse>
