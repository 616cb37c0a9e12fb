/**
 * Base64 of UTF-8 text with Web APIs only (btoa/atob, TextEncoder/TextDecoder), so the request path runs the same on
 * Node and on Workers. Decoding accepts the URL-safe alphabet too, as some x402 clients send it.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Two base64 characters per 12-bit value: one table lookup per 1.5 input bytes (every 402 encodes a header). */
const PAIRS = Array.from({ length: 4096 }, (_, i) => ALPHABET[i >> 6]! + ALPHABET[i & 63]!)

export function bytesToBase64(bytes: Uint8Array): string {
  let out = ''
  const whole = bytes.length - (bytes.length % 3)
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += PAIRS[n >> 12]! + PAIRS[n & 4095]!
  }
  const rest = bytes.length - whole
  if (rest === 1) out += `${PAIRS[bytes[whole]! << 4]!}==`
  else if (rest === 2) {
    const n = (bytes[whole]! << 16) | (bytes[whole + 1]! << 8)
    out += `${PAIRS[n >> 12]!}${ALPHABET[(n >> 6) & 63]!}=`
  }
  return out
}

/** Throws on characters outside the (standard or URL-safe) alphabet. */
export function base64ToBytes(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/')
  const padded = standard.padEnd(standard.length + ((4 - (standard.length % 4)) % 4), '=')
  const binary = atob(padded)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export const utf8ToBase64 = (text: string): string => bytesToBase64(encoder.encode(text))

/** Throws on invalid base64 or invalid UTF-8. */
export const base64ToUtf8 = (text: string): string => decoder.decode(base64ToBytes(text))
