/**
 * Base64 of UTF-8 text with Web APIs only (btoa/atob, TextEncoder/TextDecoder), so the request path runs the same on
 * Node and on Workers. Decoding accepts the URL-safe alphabet too, as some x402 clients send it.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = ''
  // Chunked: String.fromCharCode(...bytes) overflows the call stack on large inputs.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
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
