// A growable UTF-8 byte buffer that outputs are written into.

export class ByteWriter {
  buf: ArrayBuffer;
  len: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.buf = new ArrayBuffer(capacity);
  }

  @inline get ptr(): usize {
    return changetype<usize>(this.buf);
  }

  reset(): void {
    this.len = 0;
  }

  ensure(n: i32): void {
    const cap = this.buf.byteLength;
    if (this.len + n <= cap) return;
    let next = cap << 1;
    if (next < this.len + n) next = this.len + n;
    const grown = new ArrayBuffer(next);
    memory.copy(changetype<usize>(grown), this.ptr, <usize>this.len);
    this.buf = grown;
  }

  byte(b: u8): void {
    this.ensure(1);
    store<u8>(this.ptr + <usize>this.len, b);
    this.len++;
  }

  bytes(src: usize, n: i32): void {
    this.ensure(n);
    memory.copy(this.ptr + <usize>this.len, src, <usize>n);
    this.len += n;
  }

  /** Writes `s` as UTF-8 (lone surrogates become U+FFFD, so the output stays valid UTF-8). */
  str(s: string): void {
    this.ensure(s.length * 3);
    this.len += <i32>String.UTF8.encodeUnsafe(
      changetype<usize>(s),
      s.length,
      this.ptr + <usize>this.len,
      false,
      String.UTF8.ErrorMode.REPLACE,
    );
  }

  toString(): string {
    return String.UTF8.decodeUnsafe(this.ptr, <usize>this.len);
  }
}
