// A growable UTF-8 byte buffer that outputs are written into.

/** Above this capacity the buffer grows by the room asked for plus an eighth, not by doubling. */
const DOUBLE_UP_TO: i32 = 16 << 20;

/**
 * Above this many UTF-16 units a string is measured before it is written:
 * room for its worst case (3 bytes a unit in UTF-8, 6 as a JSON escape) is
 * cheap for a short string, but would make the buffer of a long one's output
 * several times its size, past what one buffer holds, or past i32.
 */
export const MEASURE_FROM = 4096;

export class ByteWriter {
  buf: ArrayBuffer;
  len: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.buf = new ArrayBuffer(capacity);
  }

  @inline
  get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  reset(): void {
    this.len = 0;
  }

  /** Makes room for `n` more bytes. */
  @inline
  ensure(n: i32): void {
    if (this.len + n > this.buf.byteLength) this.grow(n);
  }

  /**
   * Grows the buffer for `n` more bytes. Small buffers double; a large one
   * grows to what is needed plus an eighth, so writing an output the size of a
   * large input needs about that much memory, not twice it. The buffer is
   * reallocated (grown in place when the space after it is free, else moved
   * and its old space freed at once): a hook's garbage is collected only at
   * the host's next call, so a copy per step would keep every step's buffer
   * until then (about 9 times the output for one grown by eighths).
   */
  private grow(n: i32): void {
    const cap = this.buf.byteLength;
    const need = this.len + n;
    let next = cap < DOUBLE_UP_TO ? cap << 1 : cap + (cap >> 3);
    if (next < need) next = need + (need >> 3);
    // Nothing else holds `buf` (callers take `ptr` after ensure), so it can move.
    this.buf = changetype<ArrayBuffer>(__renew(changetype<usize>(this.buf), <usize> next));
  }

  byte(b: u8): void {
    this.ensure(1);
    store<u8>(this.ptr + <usize> this.len, b);
    this.len++;
  }

  bytes(src: usize, n: i32): void {
    this.ensure(n);
    memory.copy(this.ptr + <usize> this.len, src, <usize> n);
    this.len += n;
  }

  /** Writes `s` as UTF-8 (lone surrogates become U+FFFD, so the output stays valid UTF-8). */
  str(s: string): void {
    const n = s.length;
    this.ensure(n <= MEASURE_FROM ? n * 3 : String.UTF8.byteLength(s));
    const src = changetype<usize>(s);
    const out = this.ptr + <usize> this.len;
    // ASCII (JSON literals, numbers, most text): one byte per unit.
    for (let i = 0; i < n; i++) {
      const u = <u32> load<u16>(src + (<usize> i << 1));
      if (u >= 0x80) {
        this.len += i + <i32> String.UTF8.encodeUnsafe(
          src + (<usize> i << 1),
          n - i,
          out + <usize> i,
          false,
          String.UTF8.ErrorMode.REPLACE,
        );
        return;
      }
      store<u8>(out + <usize> i, <u8> u);
    }
    this.len += n;
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize> this.len);
  }
}
