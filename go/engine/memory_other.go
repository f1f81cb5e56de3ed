//go:build !linux && !darwin

package engine

import "github.com/tetratelabs/wazero/experimental"

// reserveMemory is nil here: Options.ReserveMemory keeps wazero's own memory.
var reserveMemory experimental.MemoryAllocator
