/** EVM facts shared by both transfer methods of the `exact` scheme. */

/** ERC-6492 wrapper suffix: a signature from a smart wallet that is not deployed yet. */
export const ERC6492_MAGIC_SUFFIX = '6492649264926492649264926492649264926492649264926492649264926492'

/** Block-time headroom: an authorization must stay valid at least this long (as x402 facilitators require). */
export const MIN_VALIDITY_SECONDS = 6n

/** True for an ERC-6492-wrapped signature (counterfactual smart wallet), which we refuse rather than deploy. */
export const isErc6492Signature = (signature: string): boolean =>
  signature.toLowerCase().endsWith(ERC6492_MAGIC_SUFFIX)
