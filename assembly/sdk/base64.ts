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

/**
 * Encodes bytes as base64 text, into one string allocated at its final size
 * (a hook's garbage is only collected at the host's next call, so building it
 * piece by piece would hold every piece until then).
 */
export function encodeBase64(bytes: Uint8Array): string {
  const n = <usize>bytes.length;
  const out = __new(((n + 2) / 3) << 3, idof<String>()); // 4 characters of 2 bytes per 3 bytes
  const src = bytes.dataStart;
  const alphabet = changetype<usize>(ALPHABET);
  let o = out;
  let i: usize = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<u16>(o, load<u16>(alphabet + ((v >> 18) << 1)));
    store<u16>(o + 2, load<u16>(alphabet + (((v >> 12) & 63) << 1)));
    store<u16>(o + 4, load<u16>(alphabet + (((v >> 6) & 63) << 1)));
    store<u16>(o + 6, load<u16>(alphabet + ((v & 63) << 1)));
    o += 8;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (<u32>load<u8>(src + i) << 16) | (two ? <u32>load<u8>(src + i + 1) << 8 : 0);
    store<u16>(o, load<u16>(alphabet + ((v >> 18) << 1)));
    store<u16>(o + 2, load<u16>(alphabet + (((v >> 12) & 63) << 1)));
    store<u16>(o + 4, two ? load<u16>(alphabet + (((v >> 6) & 63) << 1)) : 0x3d); // =
    store<u16>(o + 6, 0x3d);
  }
  return changetype<string>(out);
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
