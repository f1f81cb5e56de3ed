package abimap

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
)

// The hooks' inputs and outputs (docs/abi.md, "Hooks and their JSON"). Fields
// a hook passes on untouched are json.RawMessage: the adapter fills them with
// Bifrost's own JSON and reads the plugin's back into Bifrost's types.

// PreHookInput is pre_hook's input.
type PreHookInput struct {
	Context json.RawMessage `json:"context"`
	Request json.RawMessage `json:"request"`
}

// ShortCircuit is a pre hook's answer without the provider.
type ShortCircuit struct {
	Response json.RawMessage `json:"response"`
	Error    json.RawMessage `json:"error"`
}

// PreHookOutput is pre_hook's output.
type PreHookOutput struct {
	Context         map[string]json.RawMessage `json:"context"`
	Request         json.RawMessage            `json:"request"`
	ShortCircuit    *ShortCircuit              `json:"short_circuit"`
	HasShortCircuit bool                       `json:"has_short_circuit"`
	Error           string                     `json:"error"`
}

// PostHookInput is post_hook's input.
type PostHookInput struct {
	Context  json.RawMessage `json:"context"`
	Response json.RawMessage `json:"response"`
	Error    json.RawMessage `json:"error"`
	HasError bool            `json:"has_error"`
}

// PostHookOutput is post_hook's output.
type PostHookOutput struct {
	Context   map[string]json.RawMessage `json:"context"`
	Response  json.RawMessage            `json:"response"`
	Error     json.RawMessage            `json:"error"`
	HasError  bool                       `json:"has_error"`
	HookError string                     `json:"hook_error"`
}

// HTTPPreHookInput is http_pre_hook's (and http_intercept's) input.
type HTTPPreHookInput struct {
	Context json.RawMessage `json:"context"`
	Request json.RawMessage `json:"request"`
}

// HTTPRequest is the part of an HTTP request a pre hook may change.
type HTTPRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Query   map[string]string `json:"query"`
	Body    []byte            `json:"body"`
}

// HTTPResponse is an HTTP response as hooks read and write it.
type HTTPResponse struct {
	StatusCode int               `json:"status_code"`
	Headers    map[string]string `json:"headers"`
	Body       []byte            `json:"body"`
}

// HTTPPreHookOutput is http_pre_hook's output.
type HTTPPreHookOutput struct {
	Context     map[string]json.RawMessage `json:"context"`
	Request     json.RawMessage            `json:"request"`
	Response    json.RawMessage            `json:"response"`
	HasResponse bool                       `json:"has_response"`
	Error       string                     `json:"error"`
}

// HTTPPostHookInput is http_post_hook's input.
type HTTPPostHookInput struct {
	Context  json.RawMessage `json:"context"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// HTTPPostHookOutput is http_post_hook's output.
type HTTPPostHookOutput struct {
	Context  map[string]json.RawMessage `json:"context"`
	Response json.RawMessage            `json:"response"`
	Error    string                     `json:"error"`
}

// ChunkHookInput is http_stream_chunk_hook's input.
type ChunkHookInput struct {
	Context json.RawMessage `json:"context"`
	Request json.RawMessage `json:"request"`
	Chunk   json.RawMessage `json:"chunk"`
}

// ChunkHookOutput is http_stream_chunk_hook's output.
type ChunkHookOutput struct {
	Context  map[string]json.RawMessage `json:"context"`
	Chunk    json.RawMessage            `json:"chunk"`
	HasChunk *bool                      `json:"has_chunk"`
	Skip     bool                       `json:"skip"`
	Error    string                     `json:"error"`
}

// Drops says whether the chunk hook's output drops the chunk.
func (o *ChunkHookOutput) Drops() bool {
	return o.Skip || (o.HasChunk != nil && !*o.HasChunk)
}

// ---- context ----

// Context is the JSON a hook gets as `context`, and what was sent, to tell
// a plugin's changes from what it passed back.
type Context struct {
	JSON json.RawMessage
	sent map[string]json.RawMessage
}

// EncodeContext writes the request context's values as a JSON object. Only
// values a plugin can read and write back are sent: keys of a string type
// (Bifrost's BifrostContextKey is one), values that are strings, booleans
// or numbers (of any Go string, bool or number type), or JSON-shaped
// (map[string]any, []any, []string, map[string]string). Everything else
// (Bifrost's internal objects: loggers, tracers, channels, functions) stays
// in Go. Keys are written in sorted order.
func EncodeContext(values map[any]any) Context {
	sent := make(map[string]json.RawMessage, len(values))
	keys := make([]string, 0, len(values))
	for k, v := range values {
		kv := reflect.ValueOf(k)
		if !kv.IsValid() || kv.Kind() != reflect.String || v == nil || !jsonShaped(v) {
			continue
		}
		data, ok := plainJSON(v)
		if !ok {
			var err error
			if data, err = Marshal(v); err != nil {
				continue
			}
		}
		key := kv.String()
		if _, dup := sent[key]; dup {
			continue // the same name under two key types: the first one seen wins
		}
		sent[key] = data
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if plainString(k) {
			b.WriteByte('"')
			b.WriteString(k)
			b.WriteByte('"')
		} else {
			name, _ := Marshal(k)
			b.Write(name)
		}
		b.WriteByte(':')
		b.Write(sent[k])
	}
	b.WriteByte('}')
	return Context{JSON: b.Bytes(), sent: sent}
}

// plainJSON writes the values most context entries hold (a string of plain
// ASCII, a bool, an int) without the codec, byte for byte as Marshal writes
// them; ok is false for anything else, Marshal's to write.
func plainJSON(v any) (json.RawMessage, bool) {
	switch x := v.(type) {
	case string:
		if plainString(x) {
			b := make([]byte, 0, len(x)+2)
			return append(append(append(b, '"'), x...), '"'), true
		}
	case bool:
		if x {
			return json.RawMessage("true"), true
		}
		return json.RawMessage("false"), true
	case int:
		return strconv.AppendInt(nil, int64(x), 10), true
	case int64:
		return strconv.AppendInt(nil, x, 10), true
	}
	return nil, false
}

// plainString: printable ASCII that JSON (with HTML escaping) writes as it is.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

func jsonShaped(v any) bool {
	switch v.(type) {
	case map[string]any, []any, []string, map[string]string:
		return true
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// Changes returns the values of a plugin's output context that differ from
// what was sent (new keys, changed values), decoded from JSON: strings as
// string, numbers as float64, booleans as bool, objects and arrays as
// map[string]any and []any. Keys the plugin left out are not removed.
func (c Context) Changes(out map[string]json.RawMessage) map[string]any {
	var changes map[string]any
	for k, raw := range out {
		if before, ok := c.sent[k]; ok && sameJSON(before, raw) {
			continue
		}
		var v any
		if Unmarshal(raw, &v) != nil {
			continue
		}
		if changes == nil {
			changes = make(map[string]any)
		}
		changes[k] = v
	}
	return changes
}

func sameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if Unmarshal(a, &x) != nil || Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// ---- errors ----

// ErrorJSON adds `allow_fallbacks` (Go's BifrostError.AllowFallbacks,
// json:"-") to Bifrost's JSON of an error, when it is set.
func ErrorJSON(bifrostError json.RawMessage, allowFallbacks *bool) json.RawMessage {
	t := bytes.TrimSpace(bifrostError)
	if allowFallbacks == nil || len(t) < 2 || t[len(t)-1] != '}' {
		return bifrostError
	}
	out := make([]byte, 0, len(t)+24)
	out = append(out, t[:len(t)-1]...)
	if len(bytes.TrimSpace(t[1:len(t)-1])) > 0 {
		out = append(out, ',')
	}
	if *allowFallbacks {
		out = append(out, `"allow_fallbacks":true}`...)
	} else {
		out = append(out, `"allow_fallbacks":false}`...)
	}
	return out
}

// AllowFallbacks reads `allow_fallbacks` from a plugin's error, nil when it
// is absent or not a boolean.
func AllowFallbacks(pluginError json.RawMessage) *bool {
	var e struct {
		AllowFallbacks *bool `json:"allow_fallbacks"`
	}
	if Unmarshal(pluginError, &e) != nil {
		return nil
	}
	return e.AllowFallbacks
}
