// Memory as Bifrost's docs do it: a bump allocator (the stub runtime's) for
// the host's buffers, a free that does nothing, strings in and out as UTF-8.
// Nothing is ever given back, so memory grows with every call.

/** The host allocates each hook input here. */
export function malloc(size: i32): usize {
  return heap.alloc(<usize>size);
}

/** Does nothing: the stub runtime cannot reuse memory. */
export function free(ptr: usize, size: i32): void {}

/** Decodes the host's input buffer. */
export function readString(ptr: usize, len: i32): string {
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}

/** Encodes `s` as UTF-8 and packs its pointer and length for the host. */
export function writeString(s: string): u64 {
  const buf = String.UTF8.encode(s);
  return (<u64>changetype<usize>(buf) << 32) | <u64>buf.byteLength;
}
