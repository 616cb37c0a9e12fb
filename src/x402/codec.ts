import type { z } from 'zod'
import { base64ToUtf8, utf8ToBase64 } from '../lib/base64'
import { Reason } from './reasons'

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: Reason; message: string }

/** base64(JSON) as x402 headers carry it. */
export function encodeHeader(value: unknown): string {
  return utf8ToBase64(JSON.stringify(value))
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/

/** Checks an already-decoded JSON value (an MCP `_meta` payload, a decoded header) against a schema. */
export function parseWire<S extends z.ZodType>(
  json: unknown,
  schema: S,
  label: string,
): DecodeResult<z.infer<S>> {
  const parsed = schema.safeParse(json)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : 'payload'
  return {
    ok: false,
    reason: Reason.invalidPayload,
    message: `${label}: ${where}: ${issue?.message ?? 'invalid'}`,
  }
}

/**
 * Decodes an x402 header (base64 JSON) against a schema. Every failure is a value with a reason and a message that
 * names what was wrong; nothing here throws on client input.
 */
export function decodeHeader<S extends z.ZodType>(
  raw: string,
  schema: S,
  options: { maxBytes: number; headerName: string },
): DecodeResult<z.infer<S>> {
  const { maxBytes, headerName } = options
  if (raw.length > maxBytes) {
    return {
      ok: false,
      reason: Reason.paymentHeaderTooLarge,
      message: `${headerName} is ${raw.length} bytes; the limit is ${maxBytes}`,
    }
  }
  const trimmed = raw.trim()
  if (trimmed === '' || !BASE64.test(trimmed)) {
    return { ok: false, reason: Reason.invalidPayload, message: `${headerName} is not base64` }
  }
  let json: unknown
  try {
    json = JSON.parse(base64ToUtf8(trimmed))
  } catch {
    return { ok: false, reason: Reason.invalidPayload, message: `${headerName} is not base64-encoded JSON` }
  }
  return parseWire(json, schema, headerName)
}
