// deno fmt drops decorators on functions (not TypeScript), and @inline is AssemblyScript's.
// deno-fmt-ignore-file
// One-pass JSON + UTF-8 validation and the skipping primitives the views use
// to index objects and arrays in place. Works on UTF-8 bytes: the input is
// never decoded as a whole. String bodies are scanned 16 bytes at a time.

/** Maximum nesting of objects and arrays (RFC 8259 lets parsers set one). */
export const MAX_DEPTH: i32 = 512;

export const enum ScanError {
  None = 0,
  Utf8 = 1,
  Syntax = 2,
  Depth = 3,
}

const C_QUOTE: u32 = 0x22;
const C_BACKSLASH: u32 = 0x5c;

const stack = new StaticArray<u8>(MAX_DEPTH);
let scanError: ScanError = ScanError.None;

// The tape: where the objects and arrays of the last recorded input start and
// end (offsets from the input's first byte), in order of their starts, for
// those of at least TAPE_MIN bytes (smaller ones are cheaper to skip by
// scanning than to look up, and leaving them out bounds the tape to a fraction
// of the input). Views of that input skip a container with one binary search
// instead of re-scanning it at every level they index. A generation number
// tells views of an older input that the tape is no longer theirs.
const TAPE_MIN: i32 = 64;
const openIndex = new StaticArray<i32>(MAX_DEPTH);
let tapeStarts = new StaticArray<i32>(64);
let tapeEnds = new StaticArray<i32>(64);
let tapeCount: i32 = 0;
let tapeGeneration: i32 = 0;

/** The generation of the tape recorded by the last `validateJson(..., true)`. */
export function currentTape(): i32 {
  return tapeGeneration;
}

/**
 * The end offset of the container starting at offset `at` of the input the
 * tape `generation` was recorded from, or -1 when that tape is gone or does
 * not hold it (a small container: scan it).
 */
export function tapeEnd(generation: i32, at: i32): i32 {
  if (generation != tapeGeneration) return -1;
  let lo = 0;
  let hi = tapeCount - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = unchecked(tapeStarts[mid]);
    if (v == at) return unchecked(tapeEnds[mid]);
    if (v < at) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Opens a container at offset `at` on the tape (at nesting `depth`). */
@inline
function tapeOpen(depth: i32, at: i32): void {
  const n = tapeCount;
  if (n == tapeStarts.length) {
    const starts = new StaticArray<i32>(n << 1);
    const ends = new StaticArray<i32>(n << 1);
    memory.copy(changetype<usize>(starts), changetype<usize>(tapeStarts), <usize>n << 2);
    memory.copy(changetype<usize>(ends), changetype<usize>(tapeEnds), <usize>n << 2);
    tapeStarts = starts;
    tapeEnds = ends;
  }
  unchecked((openIndex[depth] = n));
  unchecked((tapeStarts[n] = at));
  tapeCount = n + 1;
}

/**
 * Closes the container opened at nesting `depth` at offset `at`: kept when
 * large, dropped when small (its children, smaller still, are dropped
 * already, so it is the last entry).
 */
@inline
function tapeClose(depth: i32, at: i32): void {
  const i = unchecked(openIndex[depth]);
  if (at - unchecked(tapeStarts[i]) < TAPE_MIN) tapeCount = i;
  else unchecked((tapeEnds[i] = at));
}

@inline
function isWs(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

/** Skips JSON whitespace. */
@inline
export function skipWs(p: usize, end: usize): usize {
  while (p < end && isWs(<u32>load<u8>(p))) p++;
  return p;
}

@inline
function isHex(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 6);
}

/** Validates one UTF-8 sequence starting with lead byte at p (>= 0x80); returns its end or 0. */
function utf8Seq(p: usize, end: usize): usize {
  const b0 = <u32>load<u8>(p);
  let n: usize;
  let min: u32;
  let cp: u32;
  if ((b0 & 0xe0) == 0xc0) {
    n = 1;
    min = 0x80;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 2;
    min = 0x800;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 3;
    min = 0x10000;
    cp = b0 & 0x07;
  } else return 0;
  if (p + n >= end) return 0;
  for (let i: usize = 1; i <= n; i++) {
    const b = <u32>load<u8>(p + i);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp - 0xd800 < 0x800)) return 0;
  return p + n + 1;
}

/** Scans a string starting at its opening quote, validating escapes and UTF-8; returns the position after it, or 0. */
function scanString(p: usize, end: usize): usize {
  p++;
  const quote = i8x16.splat(<i8>C_QUOTE);
  const backslash = i8x16.splat(<i8>C_BACKSLASH);
  const space = i8x16.splat(0x20);
  const zero = i8x16.splat(0);
  while (true) {
    if (p + 16 <= end) {
      const v = v128.load(p);
      const special = v128.or(
        v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)),
        v128.or(i8x16.lt_u(v, space), i8x16.lt_s(v, zero)),
      );
      const mask = i8x16.bitmask(special);
      if (mask == 0) {
        p += 16;
        continue;
      }
      p += <usize>ctz(mask);
    } else {
      while (p < end) {
        const c = <u32>load<u8>(p);
        if (c == C_QUOTE || c == C_BACKSLASH || c < 0x20 || c >= 0x80) break;
        p++;
      }
      if (p >= end) return 0;
    }
    const c = <u32>load<u8>(p);
    if (c == C_QUOTE) return p + 1;
    if (c == C_BACKSLASH) {
      if (p + 1 >= end) return 0;
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        if (p + 6 > end) return 0;
        if (!isHex(load<u8>(p + 2)) || !isHex(load<u8>(p + 3)) || !isHex(load<u8>(p + 4)) || !isHex(load<u8>(p + 5))) {
          return 0;
        }
        p += 6;
      } else if (
        e == C_QUOTE || e == C_BACKSLASH || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74
      ) {
        p += 2;
      } else return 0;
    } else if (c < 0x20) {
      return 0;
    } else {
      const q = utf8Seq(p, end);
      if (q == 0) {
        scanError = ScanError.Utf8;
        return 0;
      }
      p = q;
    }
  }
  // deno-lint-ignore no-unreachable -- asc wants a return after the endless loop
  return 0;
}

@inline
function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Scans a number per RFC 8259; returns the position after it, or 0. */
function scanNumber(p: usize, end: usize): usize {
  if (load<u8>(p) == 0x2d) p++;
  if (p >= end) return 0;
  const c = <u32>load<u8>(p);
  if (c == 0x30) {
    p++;
  } else if (isDigit(c)) {
    while (p < end && isDigit(load<u8>(p))) p++;
  } else return 0;
  if (p < end && load<u8>(p) == 0x2e) {
    p++;
    if (p >= end || !isDigit(load<u8>(p))) return 0;
    while (p < end && isDigit(load<u8>(p))) p++;
  }
  if (p < end && (load<u8>(p) | 0x20) == 0x65) {
    p++;
    if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
    if (p >= end || !isDigit(load<u8>(p))) return 0;
    while (p < end && isDigit(load<u8>(p))) p++;
  }
  return p;
}

/** Matches true/null (len 4, word = the 4 bytes little-endian) or false (len 5: "fals" + "e"). */
@inline
function literal(p: usize, end: usize, word: u32, len: usize): usize {
  if (p + len > end || load<u32>(p) != word) return 0;
  if (len == 5 && load<u8>(p + 4) != 0x65) return 0;
  return p + len;
}

const S_VALUE = 0;
const S_KEY = 1;
const S_AFTER = 2;
const OBJ: u8 = 1;
const ARR: u8 = 2;

/**
 * Validates that [start, start+len) is exactly one JSON value (with optional
 * whitespace) in strict UTF-8. Returns a ScanError.
 */
export function validateJson(start: usize, len: usize, recordTape: bool = false): ScanError {
  scanError = ScanError.None;
  if (recordTape) {
    tapeGeneration++;
    tapeCount = 0;
    // A tape grown for a large input is let go once inputs are small again.
    if (tapeStarts.length > 4096 && <usize>tapeStarts.length * <usize>TAPE_MIN > len << 2) {
      tapeStarts = new StaticArray<i32>(64);
      tapeEnds = new StaticArray<i32>(64);
    }
  }
  const end = start + len;
  let p = skipWs(start, end);
  let depth = 0;
  let state = S_VALUE;
  while (true) {
    if (state == S_VALUE) {
      if (p >= end) return ScanError.Syntax;
      const c = <u32>load<u8>(p);
      if (c == 0x7b || c == 0x5b) {
        if (depth >= MAX_DEPTH) return ScanError.Depth;
        if (recordTape) tapeOpen(depth, <i32>(p - start));
        unchecked((stack[depth++] = c == 0x7b ? OBJ : ARR));
        p = skipWs(p + 1, end);
        if (p < end && <u32>load<u8>(p) == c + 2) {
          depth--;
          p++;
          if (recordTape) tapeClose(depth, <i32>(p - start));
          state = S_AFTER;
        } else {
          state = c == 0x7b ? S_KEY : S_VALUE;
        }
        continue;
      }
      if (c == C_QUOTE) p = scanString(p, end);
      else if (c == 0x74) p = literal(p, end, 0x65757274, 4); // true
      else if (c == 0x6e) p = literal(p, end, 0x6c6c756e, 4); // null
      else if (c == 0x66) p = literal(p, end, 0x736c6166, 5); // fals(e)
      else if (c == 0x2d || isDigit(c)) p = scanNumber(p, end);
      else return ScanError.Syntax;
      if (p == 0) return scanError == ScanError.Utf8 ? ScanError.Utf8 : ScanError.Syntax;
      state = S_AFTER;
    } else if (state == S_KEY) {
      if (p >= end || <u32>load<u8>(p) != C_QUOTE) return ScanError.Syntax;
      p = scanString(p, end);
      if (p == 0) return scanError == ScanError.Utf8 ? ScanError.Utf8 : ScanError.Syntax;
      p = skipWs(p, end);
      if (p >= end || load<u8>(p) != 0x3a) return ScanError.Syntax;
      p = skipWs(p + 1, end);
      state = S_VALUE;
    } else {
      p = skipWs(p, end);
      if (depth == 0) return p == end ? ScanError.None : ScanError.Syntax;
      if (p >= end) return ScanError.Syntax;
      const c = <u32>load<u8>(p);
      const top = unchecked(stack[depth - 1]);
      if (c == 0x2c) {
        p = skipWs(p + 1, end);
        state = top == OBJ ? S_KEY : S_VALUE;
      } else if ((top == OBJ && c == 0x7d) || (top == ARR && c == 0x5d)) {
        depth--;
        p++;
        if (recordTape) tapeClose(depth, <i32>(p - start));
      } else return ScanError.Syntax;
    }
  }
  // deno-lint-ignore no-unreachable -- asc wants a return after the endless loop
  return ScanError.Syntax;
}

// ---- skipping over input already validated ----

/** Skips a valid string starting at its quote; returns the position after it. */
export function skipString(p: usize, end: usize): usize {
  p++;
  const quote = i8x16.splat(<i8>C_QUOTE);
  const backslash = i8x16.splat(<i8>C_BACKSLASH);
  while (true) {
    if (p + 16 <= end) {
      const v = v128.load(p);
      const mask = i8x16.bitmask(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)));
      if (mask == 0) {
        p += 16;
        continue;
      }
      p += <usize>ctz(mask);
    } else {
      while (p < end && load<u8>(p) != C_QUOTE && load<u8>(p) != C_BACKSLASH) p++;
      if (p >= end) return end;
    }
    if (load<u8>(p) == C_QUOTE) return p + 1;
    p += 2; // an escape: the escaped byte is never a quote that ends the string
  }
  // deno-lint-ignore no-unreachable -- asc wants a return after the endless loop
  return end;
}

/** Skips one valid value; returns the position after it. */
export function skipValue(p: usize, end: usize): usize {
  const c = <u32>load<u8>(p);
  if (c == C_QUOTE) return skipString(p, end);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (p < end) {
      const d = <u32>load<u8>(p);
      if (d == C_QUOTE) {
        p = skipString(p, end);
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return p + 1;
      }
      p++;
    }
    return end;
  }
  // number or literal: up to the next delimiter
  while (p < end) {
    const d = <u32>load<u8>(p);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isWs(d)) break;
    p++;
  }
  return p;
}
