/**
 * Base64 of bytes (standard alphabet, padded), as Go encodes `[]byte` in JSON,
 * with V8's own `Uint8Array` base64 methods: linear and about ten times faster
 * than `btoa`/`atob` over a binary string, which matters for request bodies of
 * up to Bifrost's 100 MiB.
 */

// Not yet in TypeScript's default library; in V8 since 13.x.
type Base64Bytes = Uint8Array & { toBase64(): string };
type Base64Ctor = { fromBase64(text: string): Uint8Array<ArrayBuffer> };

/** Encodes bytes as base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return (bytes as Base64Bytes).toBase64();
}

/** Decodes base64 (ASCII whitespace ignored, padding optional); throws on invalid input. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  try {
    return (Uint8Array as unknown as Base64Ctor).fromBase64(b64);
  } catch {
    throw new SyntaxError("Failed to decode base64");
  }
}
