package abi

import "unicode/utf8"

// Unpack splits a hook's i64 result into the output's pointer (upper 32
// bits) and length in bytes (lower 32 bits).
func Unpack(packed uint64) (ptr, length uint32) {
	return uint32(packed >> 32), uint32(packed)
}

// Pack packs a pointer and a length the way a plugin returns them.
func Pack(ptr, length uint32) uint64 {
	return uint64(ptr)<<32 | uint64(length)
}

// InBounds reports whether [ptr, ptr+length) lies inside a memory of size
// bytes, without overflowing.
func InBounds(ptr, length uint32, size uint64) bool {
	return uint64(ptr)+uint64(length) <= size
}

// FirstInvalidUTF8 returns the offset of the first byte of b that is not
// part of a valid UTF-8 sequence (overlong forms and surrogates are
// invalid), or -1 when b is valid UTF-8.
func FirstInvalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
