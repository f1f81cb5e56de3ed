package server

import "encoding/json"

// The wire types of lib/host/worker_protocol.ts: one JSON message per line,
// requests on stdin, replies on stdout; a call's input and a result's output
// follow their line as raw bytes, their length in the line's "bytes".

// request is a WorkerRequest, plus the engine's two benchmark requests.
type request struct {
	Type    string       `json:"type"`
	Options *wireOptions `json:"options,omitempty"`
	Hook    string       `json:"hook,omitempty"`
	// call: the length of the input that follows the line
	Bytes int `json:"bytes,omitempty"`
	// floor and throughput: their (small) input, in the line
	Input *string `json:"input,omitempty"`
	// floor
	Iterations int `json:"iterations,omitempty"`
	// throughput
	Goroutines int     `json:"goroutines,omitempty"`
	DurationMs float64 `json:"durationMs,omitempty"`
}

// wireOptions is WireOptions (RunnerOptions as JSON). hookTimeoutMs and
// poolSize are the engine's own: the TypeScript runner has neither.
type wireOptions struct {
	WasmBase64       string            `json:"wasmBase64"`
	Label            string            `json:"label"`
	Config           *string           `json:"config"`
	FreePolicy       string            `json:"freePolicy"`
	FunctionNames    []json.RawMessage `json:"functionNames"`
	MemoryLimitPages *uint32           `json:"memoryLimitPages,omitempty"`
	TimeHook         bool              `json:"timeHook"`
	HookTimeoutMs    float64           `json:"hookTimeoutMs,omitempty"`
	PoolSize         int               `json:"poolSize,omitempty"`
}

// stats is RawCall.stats, in its field order.
type stats struct {
	DurationUs  float64  `json:"durationUs"`
	HookUs      *float64 `json:"hookUs,omitempty"`
	InputBytes  int      `json:"inputBytes"`
	OutputBytes int      `json:"outputBytes"`
	PagesBefore uint32   `json:"pagesBefore"`
	PagesAfter  uint32   `json:"pagesAfter"`
}

// serializedError is SerializedError, in serializeError's field order.
type serializedError struct {
	Name         string   `json:"name"`
	Message      string   `json:"message"`
	Hook         string   `json:"hook,omitempty"`
	Kind         string   `json:"kind,omitempty"`
	FunctionName string   `json:"functionName,omitempty"`
	LimitPages   uint32   `json:"limitPages,omitempty"`
	TimeoutMs    float64  `json:"timeoutMs,omitempty"`
	Violations   []string `json:"violations,omitempty"`
	InputBytes   int      `json:"inputBytes,omitempty"`
	LimitBytes   uint64   `json:"limitBytes,omitempty"`
}

// Replies, each with its type first.
type (
	logReply struct {
		Type string `json:"type"`
		Line string `json:"line"`
	}
	loadedReply struct {
		Type  string `json:"type"`
		Name  string `json:"name"`
		Pages uint32 `json:"pages"`
	}
	// resultReply is followed by Bytes bytes of output; Bytes is null for a 0 return.
	resultReply struct {
		Type  string `json:"type"`
		Stats stats  `json:"stats"`
		Bytes *int   `json:"bytes"`
	}
	cleanupReply struct {
		Type string `json:"type"`
		Code int32  `json:"code"`
	}
	errorReply struct {
		Type  string          `json:"type"`
		Error serializedError `json:"error"`
	}
	floorReply struct {
		Type           string   `json:"type"`
		SonicNs        *float64 `json:"sonicNs"`
		EncodingJSONNs float64  `json:"encodingJsonNs"`
	}
	throughputReply struct {
		Type        string  `json:"type"`
		Calls       int64   `json:"calls"`
		Seconds     float64 `json:"seconds"`
		CallsPerSec float64 `json:"callsPerSec"`
	}
)
