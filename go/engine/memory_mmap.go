//go:build linux || darwin

package engine

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// reservedMemory backs a wasm memory with its whole maximum reserved as
// address space up front and left untouched: growing it moves and copies
// nothing, and a page costs memory only once the plugin writes it. wazero's
// own memory grows by appending to a Go slice, which copies the memory into
// a new one and touches every page it adds (a plugin grown to 317 MiB for a
// 133 MiB input held all 317, and the copies it grew through until the next
// collection).
type reservedMemory struct{ buf []byte }

func (m *reservedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size]
}

func (m *reservedMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}

// reserveMemory is the allocator of Options.ReserveMemory: an anonymous
// mapping of the maximum, or wazero's own memory when the system refuses it.
var reserveMemory = experimental.MemoryAllocatorFunc(func(capBytes, maxBytes uint64) experimental.LinearMemory {
	buf, err := syscall.Mmap(-1, 0, int(maxBytes), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil || maxBytes == 0 {
		return &sliceMemory{buf: make([]byte, 0, capBytes)}
	}
	return &reservedMemory{buf: buf}
})
