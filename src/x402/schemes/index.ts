import { createExactEip3009Scheme } from './exact-eip3009'
import { eip3009Payload } from './exact-eip3009/payload'
import type { Eip3009SettleDeps } from './exact-eip3009/settle'
import type { Eip3009VerifyDeps } from './exact-eip3009/verify'
import { createExactPermit2Scheme } from './exact-permit2'
import { permit2Payload } from './exact-permit2/payload'
import type { Permit2SettleDeps } from './exact-permit2/settle'
import type { Permit2VerifyDeps } from './exact-permit2/verify'
import type { PayloadRegistry, SchemeRegistry } from './scheme'

/** How each transfer method's payload is read: what matching dispatches through (pure, no chain access). */
export const schemePayloads: PayloadRegistry = { eip3009: eip3009Payload, permit2: permit2Payload }

export type SchemeDeps = Eip3009VerifyDeps & Eip3009SettleDeps & Permit2VerifyDeps & Permit2SettleDeps

/** Every transfer method, self-facilitated with the given chain access: what the self-facilitator dispatches through. */
export function createSchemes(deps: SchemeDeps): SchemeRegistry {
  return { eip3009: createExactEip3009Scheme(deps), permit2: createExactPermit2Scheme(deps) }
}
