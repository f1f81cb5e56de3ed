// deno fmt drops decorators on functions (not TypeScript), and @inline is AssemblyScript's.
// deno-fmt-ignore-file
// Standard base64 (RFC 4648, with padding), as Go encodes []byte in JSON.
//
// Each direction has one core, generic over the width of a text unit: a
// string's UTF-16 (u16) or UTF-8 JSON text (u8). A large HTTP body is decoded
// straight from the input's UTF-8 and encoded straight into UTF-8, never
// through a string, which would take 2 bytes per base64 character (8/3 of the
// body).

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

@inline
function decodeChar(c: u32): i32 {
  if (c - 65 < 26) return <i32>c - 65; // A-Z
  if (c - 97 < 26) return <i32>c - 71; // a-z
  if (c - 48 < 10) return <i32>c + 4; // 0-9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

/** The `n` base64 units of `T` (u8 or u16) at `src` as a byte count: -1 when `n` is not a whole number of groups. */
function decodedLength<T>(src: usize, n: usize): isize {
  if (n & 3) return -1;
  let pad = 0;
  if (n > 0 && <u32>load<T>(src + ((n - 1) << alignof<T>())) == 61) pad++; // =
  if (n > 1 && <u32>load<T>(src + ((n - 2) << alignof<T>())) == 61) pad++;
  return <isize>((n >> 2) * 3 - pad);
}

/** Decodes `n` base64 units of `T` at `src` into the `size` bytes at `out` ({@link decodedLength}); false when invalid. */
function decodeUnits<T>(src: usize, n: usize, out: usize, size: usize): bool {
  let o: usize = 0;
  for (let i: usize = 0; i < n; i += 4) {
    const at = src + (i << alignof<T>());
    const last = i + 4 == n;
    const c0 = decodeChar(<u32>load<T>(at));
    const c1 = decodeChar(<u32>load<T>(at + sizeof<T>()));
    const p2 = <u32>load<T>(at + 2 * sizeof<T>());
    const p3 = <u32>load<T>(at + 3 * sizeof<T>());
    // Padding only ends the text: `=` at the last two places of the last group, a third only after a second.
    const c2 = last && p2 == 61 && p3 == 61 ? 0 : decodeChar(p2);
    const c3 = last && p3 == 61 ? 0 : decodeChar(p3);
    if ((c0 | c1 | c2 | c3) < 0) return false;
    const v = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    store<u8>(out + o++, <u8>(v >> 16));
    if (o < size) store<u8>(out + o++, <u8>(v >> 8));
    if (o < size) store<u8>(out + o++, <u8>v);
  }
  return true;
}

/** Decodes `n` base64 units of `T` at `src` into a new array; null when invalid. */
function decodeToArray<T>(src: usize, n: usize): Uint8Array | null {
  const size = decodedLength<T>(src, n);
  if (size < 0) return null;
  const out = new Uint8Array(<i32>size);
  return decodeUnits<T>(src, n, out.dataStart, <usize>size) ? out : null;
}

/** Decodes base64 text; null when it is not valid base64. */
export function decodeBase64(text: string): Uint8Array | null {
  return decodeToArray<u16>(changetype<usize>(text), <usize>text.length);
}

/** Decodes base64 held as the `n` UTF-8 bytes at `src` (a JSON string's body); null when it is not valid base64. */
export function decodeBase64Utf8(src: usize, n: usize): Uint8Array | null {
  return decodeToArray<u8>(src, n);
}

/**
 * Decodes base64 held as the `n` UTF-8 bytes at `src` and the UTF-8 text that
 * gives into a string; null when it is not valid base64. The decoded bytes
 * live in a block freed at once, not in garbage kept until the host's next
 * call.
 */
export function decodeBase64Utf8Text(src: usize, n: usize): string | null {
  const size = decodedLength<u8>(src, n);
  if (size < 0) return null;
  const bytes = heap.alloc(<usize>size);
  const text = decodeUnits<u8>(src, n, bytes, <usize>size) ? String.UTF8.decodeUnsafe(bytes, <usize>size) : null;
  heap.free(bytes);
  return text;
}

/** Writes the base64 of the `n` bytes at `src` as units of `T` at `out` (4 units per 3 bytes, rounded up). */
function encodeUnits<T>(src: usize, n: usize, out: usize): void {
  const alphabet = changetype<usize>(ALPHABET);
  const unit = sizeof<T>();
  let o = out;
  let i: usize = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (<u32>load<u8>(src + i) << 16) | (<u32>load<u8>(src + i + 1) << 8) | <u32>load<u8>(src + i + 2);
    store<T>(o, <T>load<u16>(alphabet + ((v >> 18) << 1)));
    store<T>(o + unit, <T>load<u16>(alphabet + (((v >> 12) & 63) << 1)));
    store<T>(o + 2 * unit, <T>load<u16>(alphabet + (((v >> 6) & 63) << 1)));
    store<T>(o + 3 * unit, <T>load<u16>(alphabet + ((v & 63) << 1)));
    o += 4 * unit;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (<u32>load<u8>(src + i) << 16) | (two ? <u32>load<u8>(src + i + 1) << 8 : 0);
    store<T>(o, <T>load<u16>(alphabet + ((v >> 18) << 1)));
    store<T>(o + unit, <T>load<u16>(alphabet + (((v >> 12) & 63) << 1)));
    store<T>(o + 2 * unit, two ? <T>load<u16>(alphabet + (((v >> 6) & 63) << 1)) : <T>0x3d); // =
    store<T>(o + 3 * unit, <T>0x3d);
  }
}

/**
 * Encodes bytes as base64 text, into one string allocated at its final size
 * (a hook's garbage is only collected at the host's next call, so building it
 * piece by piece would hold every piece until then).
 */
export function encodeBase64(bytes: Uint8Array): string {
  const n = <usize>bytes.length;
  // deno-lint-ignore ban-types -- idof<String> names AssemblyScript's runtime class
  const out = __new(((n + 2) / 3) << 3, idof<String>()); // 4 units of 2 bytes per 3 bytes
  encodeUnits<u16>(bytes.dataStart, n, out);
  return changetype<string>(out);
}

/** The base64 of the `n` bytes at `src` as a JSON string in UTF-8, quotes included (base64 needs no escapes). */
export function encodeBase64Json(src: usize, n: usize): ArrayBuffer {
  const units = ((n + 2) / 3) << 2;
  const out = changetype<ArrayBuffer>(__new(units + 2, idof<ArrayBuffer>()));
  const p = changetype<usize>(out);
  store<u8>(p, 0x22);
  encodeUnits<u8>(src, n, p + 1);
  store<u8>(p + 1 + units, 0x22);
  return out;
}
