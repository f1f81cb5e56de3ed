package abi

import "strings"

// ValType is a wasm value type as written in the text format.
type ValType string

// The value types the ABI uses.
const (
	I32 ValType = "i32"
	I64 ValType = "i64"
)

// Signature is a function type.
type Signature struct {
	Params  []ValType
	Results []ValType
}

// String formats s as "(i32, i32) -> i64", the notation of docs/abi.md.
func (s Signature) String() string {
	join := func(v []ValType) string {
		parts := make([]string, len(v))
		for i, t := range v {
			parts[i] = string(t)
		}
		return strings.Join(parts, ", ")
	}
	res := "()"
	switch len(s.Results) {
	case 0:
	case 1:
		res = string(s.Results[0])
	default:
		res = "(" + join(s.Results) + ")"
	}
	return "(" + join(s.Params) + ") -> " + res
}

// Equal reports whether two signatures are identical.
func (s Signature) Equal(o Signature) bool {
	if len(s.Params) != len(o.Params) || len(s.Results) != len(o.Results) {
		return false
	}
	for i := range s.Params {
		if s.Params[i] != o.Params[i] {
			return false
		}
	}
	for i := range s.Results {
		if s.Results[i] != o.Results[i] {
			return false
		}
	}
	return true
}

func sig(params []ValType, results ...ValType) Signature {
	return Signature{Params: params, Results: results}
}

var hookSig = sig([]ValType{I32, I32}, I64)

// Signatures holds the expected signature of every ABI function export but
// free, which has two (see FreeSignatures).
var Signatures = map[string]Signature{
	Malloc:              sig([]ValType{I32}, I32),
	GetName:             sig(nil, I64),
	Init:                sig([]ValType{I32, I32}, I32),
	Cleanup:             sig(nil, I32),
	LastError:           sig(nil, I64),
	MaxInput:            sig(nil, I32),
	HTTPIntercept:       hookSig,
	HTTPPreHook:         hookSig,
	PreHook:             hookSig,
	PostHook:            hookSig,
	HTTPPostHook:        hookSig,
	HTTPStreamChunkHook: hookSig,
}

// FreeSignatures are the two accepted forms of free: free(ptr) and
// free(ptr, size) (Rust plugins need the size).
var FreeSignatures = []Signature{sig([]ValType{I32}), sig([]ValType{I32, I32})}

// StartSignature is the signature of _initialize and _start.
var StartSignature = sig(nil)
