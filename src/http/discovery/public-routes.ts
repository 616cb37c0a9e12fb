import { z } from 'zod'
import { SignedSpendPolicy } from '../../payments/spend-policy'

/** A free route that is not a catalog endpoint: listed by GET /, OpenAPI and llms.txt from this one table. */
export interface PublicRoute {
  method: 'GET' | 'POST'
  /** OpenAPI path syntax (`{address}`). */
  path: string
  summary: string
  description: string
  pathParams?: Record<string, { description: string; pattern: string }>
  body?: z.ZodType
}

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  {
    method: 'GET',
    path: '/v1/payment-quote',
    summary: 'Payment quote',
    description:
      'What each price tier costs right now in USDC and TMAI (atomic units, decimals, discount), with the TMAI/USD rate, its source and age. Free.',
  },
  {
    method: 'POST',
    path: '/v1/spend-policy',
    summary: 'Set your spend policy',
    description:
      'Store an EIP-712 SpendPolicy signed by the payer (domain x402-analytics/1): caps per call and per day in USD micro-dollars. It can only tighten the operator caps. Free.',
    body: SignedSpendPolicy,
  },
  {
    method: 'GET',
    path: '/v1/spend-policy/{address}',
    summary: 'Read spend caps and usage',
    description: 'The effective caps for a payer, its own policy and this hour’s and today’s usage. Free.',
    pathParams: { address: { description: 'the payer address', pattern: '^0x[0-9a-fA-F]{40}$' } },
  },
  { method: 'GET', path: '/health', summary: 'Health', description: 'Liveness: `{ ok: true }`. Free.' },
]

/** JSON Schema of a public route's body, for OpenAPI. */
export const bodySchemaOf = (route: PublicRoute) => {
  if (!route.body) return undefined
  const { $schema: _dialect, ...schema } = z.toJSONSchema(route.body, { io: 'input' }) as Record<
    string,
    unknown
  >
  return schema
}
