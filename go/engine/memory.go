package engine

import (
	"context"

	"github.com/tetratelabs/wazero/experimental"
)

// withMemory is ctx with the memory allocator of Options.ReserveMemory, when asked for and available.
func (p *Plugin) withMemory(ctx context.Context) context.Context {
	if !p.opts.ReserveMemory || reserveMemory == nil {
		return ctx
	}
	return experimental.WithMemoryAllocator(ctx, reserveMemory)
}

// sliceMemory is a wasm memory in a Go slice, grown as wazero grows its own.
type sliceMemory struct{ buf []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if add := int(size) - len(m.buf); add > 0 {
		m.buf = append(m.buf, make([]byte, add)...)
	}
	return m.buf[:size]
}

func (m *sliceMemory) Free() { m.buf = nil }
