// Package abi names Bifrost's WASM plugin ABI for the Go side in one place:
// the export names and signatures, which exports are required, the packing
// of a hook's i64 result, the free policies and the only import module a
// plugin may use. docs/abi.md says which of these points are documented by
// Bifrost and which are guessed.
//
// Everything here is a constant or a pure function: safe for concurrent use.
package abi

// Export names of the ABI functions and the memory.
const (
	Memory    = "memory"
	Malloc    = "malloc"
	Free      = "free"
	GetName   = "get_name"
	Init      = "init"
	Cleanup   = "cleanup"
	LastError = "last_error"     // a bifrost-as extension: init's reason when it fails
	MaxInput  = "max_input_size" // a bifrost-as extension: the largest input the plugin takes

	HTTPIntercept       = "http_intercept"
	HTTPPreHook         = "http_pre_hook"
	PreHook             = "pre_hook"
	PostHook            = "post_hook"
	HTTPPostHook        = "http_post_hook"
	HTTPStreamChunkHook = "http_stream_chunk_hook"
)

// StartFunctions are the WASI entry points a host calls, in this order, when
// the module exports them, before init: a reactor's _initialize, a command's
// _start (proc_exit(0) there is a normal end).
var StartFunctions = []string{"_initialize", "_start"}

// Hooks lists every hook export, in the order a request meets them.
var Hooks = []string{HTTPIntercept, HTTPPreHook, PreHook, PostHook, HTTPPostHook, HTTPStreamChunkHook}

// IsHook reports whether name is a hook export.
func IsHook(name string) bool {
	for _, h := range Hooks {
		if h == name {
			return true
		}
	}
	return false
}

// Required lists the exports every plugin must have whatever its profile.
var Required = []string{Memory, Malloc, Free, GetName, PreHook, PostHook}

// Essential lists the exports without which a host cannot call a plugin at
// all; the hooks among Required are checked by whoever calls them.
var Essential = []string{Memory, Malloc, Free, GetName}

// Optional lists the exports a host skips calling when they are absent.
var Optional = []string{Init, Cleanup}

// Profiles maps each export profile seen in the wild to the hooks it requires.
var Profiles = map[string][]string{
	"legacy":  {HTTPIntercept},
	"current": {HTTPPreHook, HTTPPostHook, HTTPStreamChunkHook},
}

// WASIModule is the only import module a plugin may use (WASI preview 1).
const WASIModule = "wasi_snapshot_preview1"
