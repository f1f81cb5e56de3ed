// deno fmt drops decorators on functions (not TypeScript), and @inline is AssemblyScript's.
// deno-fmt-ignore-file
// JSON strings, read from UTF-8 and written to UTF-8, done here rather than
// with json-as: json-as 1.6.0 decodes the escape `\/` as U+0000, splits a
// surrogate pair whose high half sits at index 7 mod 8 of the string, and
// writes U+DFFF as an invalid escape (found by `deno task fuzz`; the inputs
// are kept under testdata/fuzz/). decodeJsonString and writeJsonString are the
// only places the SDK turns JSON string text into AssemblyScript strings and
// back; jsonStringEquals compares without decoding.
import { ByteWriter, MEASURE_FROM } from "./writer";

const HEX = "0123456789abcdef";

@inline
function hexValue(c: u32): u32 {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** The length of the leading run of plain bytes (ASCII, not a backslash) in [p, p+n). */
function plainRun(p: usize, n: usize): usize {
  let i: usize = 0;
  const backslash = i8x16.splat(0x5c);
  const zero = i8x16.splat(0);
  while (i + 16 <= n) {
    const v = v128.load(p + i);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, backslash), i8x16.lt_s(v, zero)));
    if (mask != 0) return i + <usize>ctz(mask);
    i += 16;
  }
  while (i < n) {
    const b = <u32>load<u8>(p + i);
    if (b >= 0x80 || b == 0x5c) return i;
    i++;
  }
  return n;
}

/** Widens `n` ASCII bytes at `p` to UTF-16 code units at `o`. */
function widen(o: usize, p: usize, n: usize): void {
  let i: usize = 0;
  while (i + 16 <= n) {
    const v = v128.load(p + i);
    v128.store(o + (i << 1), i16x8.extend_low_i8x16_u(v));
    v128.store(o + (i << 1) + 16, i16x8.extend_high_i8x16_u(v));
    i += 16;
  }
  while (i < n) {
    store<u16>(o + (i << 1), load<u8>(p + i));
    i++;
  }
}

// Where decodeAt stopped: the byte after the escape or UTF-8 sequence it read.
let decodedEnd: usize = 0;

/**
 * Decodes one escape or UTF-8 sequence of a valid JSON string body at `p`
 * (its first byte `b` is a backslash or >= 0x80): the code point, or for a
 * `\uXXXX` escape the UTF-16 unit as written. Sets `decodedEnd`.
 */
@inline
function decodeAt(p: usize, b: u32): u32 {
  if (b == 0x5c) {
    const e = <u32>load<u8>(p + 1);
    decodedEnd = p + 2;
    if (e == 0x62) return 0x08;
    if (e == 0x66) return 0x0c;
    if (e == 0x6e) return 0x0a;
    if (e == 0x72) return 0x0d;
    if (e == 0x74) return 0x09;
    if (e == 0x75) {
      decodedEnd = p + 6;
      return (hexValue(load<u8>(p + 2)) << 12) | (hexValue(load<u8>(p + 3)) << 8) |
        (hexValue(load<u8>(p + 4)) << 4) | hexValue(load<u8>(p + 5));
    }
    return e; // \" \\ \/
  }
  if (b < 0xe0) {
    decodedEnd = p + 2;
    return ((b & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
  }
  if (b < 0xf0) {
    decodedEnd = p + 3;
    return ((b & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
  }
  decodedEnd = p + 4;
  return ((b & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + 2) & 0x3f) << 6) |
    (<u32>load<u8>(p + 3) & 0x3f);
}

/**
 * Decodes the body of a valid JSON string (the bytes between the quotes,
 * strict UTF-8, escapes allowed) into a string.
 */
export function decodeJsonString(p: usize, n: usize): string {
  const plain = plainRun(p, n);
  if (plain == n) {
    // ASCII without escapes (the usual case): one unit per byte, allocated once.
    // deno-lint-ignore ban-types -- idof<String> names AssemblyScript's runtime class
    const s = __new(n << 1, idof<String>());
    widen(s, p, n);
    return changetype<string>(s);
  }
  // A UTF-16 string never needs more code units than the UTF-8 has bytes.
  // deno-lint-ignore ban-types -- idof<String> names AssemblyScript's runtime class
  const out = __new(n << 1, idof<String>());
  widen(out, p, plain);
  const end = p + n;
  let o = out + (plain << 1);
  p += plain;
  while (p < end) {
    const b = <u32>load<u8>(p);
    if (b < 0x80 && b != 0x5c) {
      store<u16>(o, <u16>b);
      o += 2;
      p++;
      continue;
    }
    let cp = decodeAt(p, b);
    p = decodedEnd;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      store<u16>(o, <u16>(0xd800 | (cp >> 10)));
      store<u16>(o + 2, <u16>(0xdc00 | (cp & 0x3ff)));
      o += 4;
    } else {
      store<u16>(o, <u16>cp);
      o += 2;
    }
  }
  return changetype<string>(__renew(out, o - out));
}

/**
 * Whether the body of a valid JSON string (as {@link decodeJsonString} takes
 * it) decodes to exactly `s`, without decoding it into a new string.
 */
export function jsonStringEquals(p: usize, n: usize, s: string): bool {
  const units = <usize>s.length;
  const q = changetype<usize>(s);
  const end = p + n;
  let j: usize = 0;
  while (p < end) {
    const b = <u32>load<u8>(p);
    let cp = b;
    if (b < 0x80 && b != 0x5c) p++;
    else {
      cp = decodeAt(p, b);
      p = decodedEnd;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        if (j >= units || <u32>load<u16>(q + (j << 1)) != (0xd800 | (cp >> 10))) return false;
        j++;
        cp = 0xdc00 | (cp & 0x3ff);
      }
    }
    if (j >= units || <u32>load<u16>(q + (j << 1)) != cp) return false;
    j++;
  }
  return j == units;
}

@inline
function isHigh(u: u32): bool {
  return u - 0xd800 < 0x400;
}

@inline
function isLow(u: u32): bool {
  return u - 0xdc00 < 0x400;
}

/**
 * The exact length in bytes of `s` as {@link writeJsonString} writes it (the
 * same cases in the same order: the two must agree).
 */
function jsonStringLength(s: string): u64 {
  const n = s.length;
  const src = changetype<usize>(s);
  let len: u64 = 2;
  for (let i = 0; i < n; i++) {
    const u = <u32>load<u16>(src + (<usize>i << 1));
    if (u >= 0x20 && u < 0x80) {
      len += u == 0x22 || u == 0x5c ? 2 : 1;
    } else if (u < 0x20) {
      len += u == 0x0a || u == 0x0d || u == 0x09 || u == 0x08 || u == 0x0c ? 2 : 6;
    } else if (u < 0x800) {
      len += 2;
    } else if (isHigh(u) && i + 1 < n && isLow(<u32>load<u16>(src + (<usize>(i + 1) << 1)))) {
      len += 4;
      i++;
    } else if (isHigh(u) || isLow(u)) {
      len += 6;
    } else {
      len += 3;
    }
  }
  return len;
}

/**
 * Writes `s` as a JSON string in UTF-8: quotes, backslashes and control
 * characters escaped, surrogate pairs as 4-byte UTF-8, lone surrogates as
 * `\uXXXX` escapes (so nothing is lost and the output stays valid UTF-8).
 */
export function writeJsonString(w: ByteWriter, s: string): void {
  const n = s.length;
  // Past 1 GiB no buffer holds it: the writer's allocation traps.
  w.ensure(n <= MEASURE_FROM ? n * 6 + 2 : <i32>min(jsonStringLength(s), <u64>(1 << 30)));
  const src = changetype<usize>(s);
  let o = w.ptr + <usize>w.len;
  const start = o;
  store<u8>(o++, 0x22);
  for (let i = 0; i < n; i++) {
    const u = <u32>load<u16>(src + (<usize>i << 1));
    if (u >= 0x20 && u < 0x80) {
      if (u == 0x22 || u == 0x5c) store<u8>(o++, 0x5c);
      store<u8>(o++, <u8>u);
    } else if (u < 0x20) {
      store<u8>(o++, 0x5c);
      if (u == 0x0a) store<u8>(o++, 0x6e);
      else if (u == 0x0d) store<u8>(o++, 0x72);
      else if (u == 0x09) store<u8>(o++, 0x74);
      else if (u == 0x08) store<u8>(o++, 0x62);
      else if (u == 0x0c) store<u8>(o++, 0x66);
      else {
        store<u8>(o++, 0x75);
        store<u8>(o++, 0x30);
        store<u8>(o++, 0x30);
        store<u8>(o++, <u8>HEX.charCodeAt(u >> 4));
        store<u8>(o++, <u8>HEX.charCodeAt(u & 15));
      }
    } else if (u < 0x800) {
      store<u8>(o++, <u8>(0xc0 | (u >> 6)));
      store<u8>(o++, <u8>(0x80 | (u & 0x3f)));
    } else if (isHigh(u) && i + 1 < n && isLow(<u32>load<u16>(src + (<usize>(i + 1) << 1)))) {
      const lo = <u32>load<u16>(src + (<usize>(i + 1) << 1));
      const cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
      store<u8>(o++, <u8>(0xf0 | (cp >> 18)));
      store<u8>(o++, <u8>(0x80 | ((cp >> 12) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | ((cp >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (cp & 0x3f)));
      i++;
    } else if (isHigh(u) || isLow(u)) {
      store<u8>(o++, 0x5c);
      store<u8>(o++, 0x75);
      for (let shift = 12; shift >= 0; shift -= 4) store<u8>(o++, <u8>HEX.charCodeAt((u >> shift) & 15));
    } else {
      store<u8>(o++, <u8>(0xe0 | (u >> 12)));
      store<u8>(o++, <u8>(0x80 | ((u >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (u & 0x3f)));
    }
  }
  store<u8>(o++, 0x22);
  w.len += <i32>(o - start);
}

/** `s` as JSON string text (an AssemblyScript string holding the quoted, escaped literal). */
export function quoteJsonString(s: string): string {
  const n = s.length;
  const src = changetype<usize>(s);
  let plain = true;
  for (let i = 0; i < n; i++) {
    const u = <u32>load<u16>(src + (<usize>i << 1));
    if (u < 0x20 || u >= 0x7f || u == 0x22 || u == 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return "\"" + s + "\""; // nothing to escape: one allocation
  const w = new ByteWriter(n * 3 + 2);
  writeJsonString(w, s);
  return w.toString();
}
