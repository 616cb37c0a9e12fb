import { z } from 'zod'
import type { Endpoint } from './types'

/** A JSON Schema (2020-12) object, as `z.toJSONSchema` emits it. */
export type JsonSchema = Record<string, unknown>

/** `z.toJSONSchema` without the top-level `$schema`, so the result can sit inside another schema. */
function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

/** What the query string accepts: one JSON Schema per parameter, and which ones a call cannot do without. */
export interface QueryParamsSchema {
  properties: Record<string, JsonSchema>
  required: string[]
}

/**
 * The endpoint's query parameters as JSON Schema, from its zod input (as sent, before transforms). `required` is what
 * the schema itself requires plus what its refinements require: a parameter of the `ok` example whose absence makes
 * the catalog's own parser refuse the call naming that very parameter (`symbol` of the symbol endpoints).
 */
export function queryParamsSchema(endpoint: Endpoint): QueryParamsSchema {
  const schema = toJsonSchema(endpoint.input, 'input') as {
    properties?: Record<string, JsonSchema>
    required?: string[]
  }
  const required = new Set(schema.required ?? [])
  for (const name of Object.keys(endpoint.examples.ok)) {
    const { [name]: _dropped, ...without } = endpoint.examples.ok
    const parsed = endpoint.parse(without)
    if (!parsed.ok && parsed.parameter === name) required.add(name)
  }
  return { properties: schema.properties ?? {}, required: [...required] }
}

/** The JSON Schema of one item of `data`. */
export function outputItemSchema(endpoint: Endpoint): JsonSchema {
  return toJsonSchema(endpoint.output, 'output')
}

/** The JSON Schema of the whole answer: `{ success, message, length, data: [item], meta }`. */
export function envelopeSchema(endpoint: Endpoint): JsonSchema {
  return {
    type: 'object',
    properties: {
      success: { type: 'boolean', const: true },
      message: { type: 'string' },
      length: { type: 'integer', minimum: 0 },
      data: { type: 'array', items: outputItemSchema(endpoint) },
      meta: {
        type: 'object',
        description: 'asOf (latest stored day), source of the data, methodology, and endpoint-specific notes',
        additionalProperties: true,
      },
    },
    required: ['success', 'message', 'length', 'data', 'meta'],
  }
}

const typesOf = (schema: JsonSchema): string[] => {
  const own = typeof schema.type === 'string' ? [schema.type] : []
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).flatMap(typesOf) : []
  return [...own, ...branches]
}

/**
 * The `ok` example query with each value in its JSON Schema type (`limit: 30`, not `"30"`), as a JSON client would
 * send it to an MCP tool, and as discovery documents show it. Query strings carry the same values as text.
 */
export function typedExampleQuery(endpoint: Endpoint): Record<string, string | number> {
  const { properties } = queryParamsSchema(endpoint)
  return Object.fromEntries(
    Object.entries(endpoint.examples.ok).map(([name, value]) => {
      const types = typesOf(properties[name] ?? {})
      const numeric = (types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)
      return [name, numeric ? Number(value) : value]
    }),
  )
}

/** The MCP tool name of an endpoint: `/v1/daily-ohlcv` → `daily_ohlcv`. */
export function toolNameOf(endpoint: Pick<Endpoint, 'path'>): string {
  return endpoint.path.replace(/^\/v1\//, '').replaceAll('-', '_')
}
