/**
 * JSON (and base64 of JSON) with one string value left open: rendered once with a slot marker, then only the value is
 * spliced in. The result is byte for byte what `JSON.stringify` (and base64 of its UTF-8) would give for the filled-in
 * object, because a JSON string's escaped form does not depend on what surrounds it.
 */
import { bytesToBase64 } from './base64'

const encoder = new TextEncoder()

/** The escaped body of a JSON string (what goes between its quotes). */
const jsonEscaped = (value: string) => JSON.stringify(value).slice(1, -1)

/** `json` split at every occurrence of `slot` (which must appear in it as an escaped-string-safe marker). */
function splitAtSlot(json: string, slot: string): string[] {
  const parts = json.split(jsonEscaped(slot))
  if (parts.length < 2) throw new Error('json template: the slot marker does not occur in the JSON')
  return parts
}

/** Fills `JSON.stringify(value-with-slot)` with a value. */
export function jsonTemplate(json: string, slot: string): (value: string) => string {
  const parts = splitAtSlot(json, slot)
  return (value) => parts.join(jsonEscaped(value))
}

/**
 * Fills base64(UTF-8(`json`)) with a value, encoding only the value and the few bytes around it: each fixed part is
 * encoded ahead of time for each of the three alignments it can start at, so the runtime work is one short base64.
 */
export function base64JsonTemplate(json: string, slot: string): (value: string) => string {
  const parts = splitAtSlot(json, slot).map((part) => encoder.encode(part))
  // A part shorter than 3 bytes cannot absorb every alignment; such templates are simply encoded whole.
  if (parts.slice(1).some((part) => part.length < 2)) {
    const fill = jsonTemplate(json, slot)
    return (value) => bytesToBase64(encoder.encode(fill(value)))
  }
  const head = parts[0]!
  const headAligned = head.length - (head.length % 3)
  const headBase64 = bytesToBase64(head.subarray(0, headAligned))
  const headCarry = head.subarray(headAligned)
  // For part i and `take` (0–2) bytes borrowed by the dynamic chunk before it: base64 of the aligned rest, and the
  // bytes left over for the next chunk.
  const rest = parts.slice(1).map((part) =>
    [0, 1, 2].map((take) => {
      const body = part.subarray(take)
      const aligned = body.length - (body.length % 3)
      return { base64: bytesToBase64(body.subarray(0, aligned)), carry: body.subarray(aligned) }
    }),
  )
  return (value) => {
    const valueBytes = encoder.encode(jsonEscaped(value))
    let out = headBase64
    let carry: Uint8Array = headCarry
    for (let i = 0; i < rest.length; i++) {
      const part = parts[i + 1]!
      const length = carry.length + valueBytes.length
      const take = (3 - (length % 3)) % 3
      const chunk = new Uint8Array(length + take)
      chunk.set(carry, 0)
      chunk.set(valueBytes, carry.length)
      chunk.set(part.subarray(0, take), length)
      const encoded = rest[i]![take]!
      out += bytesToBase64(chunk) + encoded.base64
      carry = encoded.carry
    }
    return out + bytesToBase64(carry)
  }
}
