// Standard base64 (RFC 4648, with padding), as Go encodes []byte in JSON.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeChar(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c == 43) return 62;
  if (c == 47) return 63;
  return -1;
}

/** Encodes bytes as base64 text. */
export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const parts = new Array<string>();
  let chunk = "";
  for (let i = 0; i < n; i += 3) {
    const b0 = <i32>unchecked(bytes[i]);
    const b1 = i + 1 < n ? <i32>unchecked(bytes[i + 1]) : 0;
    const b2 = i + 2 < n ? <i32>unchecked(bytes[i + 2]) : 0;
    chunk += ALPHABET.charAt(b0 >> 2);
    chunk += ALPHABET.charAt(((b0 & 3) << 4) | (b1 >> 4));
    chunk += i + 1 < n ? ALPHABET.charAt(((b1 & 15) << 2) | (b2 >> 6)) : "=";
    chunk += i + 2 < n ? ALPHABET.charAt(b2 & 63) : "=";
    if (chunk.length >= 4096) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
}

/** Decodes base64 text; null when it is not valid base64. */
export function decodeBase64(text: string): Uint8Array | null {
  let len = text.length;
  if (len % 4 != 0) return null;
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) == 61) pad++;
  if (len > 1 && text.charCodeAt(len - 2) == 61) pad++;
  const out = new Uint8Array((len / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const last = i + 4 == len;
    const c0 = decodeChar(text.charCodeAt(i));
    const c1 = decodeChar(text.charCodeAt(i + 1));
    const c2 = last && pad >= 2 ? 0 : decodeChar(text.charCodeAt(i + 2));
    const c3 = last && pad >= 1 ? 0 : decodeChar(text.charCodeAt(i + 3));
    if ((c0 | c1 | c2 | c3) < 0) return null;
    const v = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    unchecked((out[o++] = <u8>(v >> 16)));
    if (o < out.length) unchecked((out[o++] = <u8>(v >> 8)));
    if (o < out.length) unchecked((out[o++] = <u8>v));
  }
  return out;
}
