// Package abimap maps Bifrost's Go plugin values to the JSON the WASM ABI
// (docs/abi.md) sends a plugin, and the plugin's answers back. It imports
// nothing of Bifrost: the Bifrost-typed adapter (go/bifrost/loader) hands it
// Bifrost's values as `any` and it works on them by reflection and JSON, so
// its tests run without Bifrost's modules.
//
// The mapping is bifrost-as's own (Bifrost Enterprise's WASM host is closed):
//
//   - a union (Go's BifrostResponse, one pointer per kind, no JSON tags) is an
//     envelope object with one key per non-nil member, the member's Go name in
//     snake case: ChatResponse -> "chat_response", ResponsesStreamResponse ->
//     "responses_stream_response";
//   - a request (BifrostRequest, BifrostStreamChunk) is its one non-nil member
//     marshalled as it is: the flat {provider, model, input, params, fallbacks}
//     for a chat request, the chunk object for a stream chunk;
//   - the context is the request context's values with a string key and a JSON
//     scalar, or JSON-shaped, value (see EncodeContext);
//   - an error is Bifrost's BifrostError JSON plus "allow_fallbacks" (a json:"-"
//     field in Go).
package abimap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// Snake turns a Go field name into the ABI's key: "ChatResponse" ->
// "chat_response", "ListModelsResponse" -> "list_models_response".
func Snake(name string) string {
	var b strings.Builder
	runes := []rune(name)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			// A new word starts at an upper-case letter after a lower-case one, or before one (the "R" of "HTTPRequest").
			if i > 0 && (unicode.IsLower(runes[i-1]) || (i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// member is one union member: an exported pointer-to-struct field.
type member struct {
	index int
	name  string // Go's field name
	key   string // its snake-case ABI key
	typ   reflect.Type
}

var membersCache sync.Map // reflect.Type -> []member

// members lists the union members of a struct type: its exported (or
// embedded) fields that are pointers to structs.
func members(t reflect.Type) []member {
	if m, ok := membersCache.Load(t); ok {
		return m.([]member)
	}
	var out []member
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
			continue
		}
		out = append(out, member{index: i, name: f.Name, key: Snake(f.Name), typ: f.Type})
	}
	membersCache.Store(t, out)
	return out
}

func structOf(v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, fmt.Errorf("abimap: want a non-nil pointer to a struct, got %T", v)
	}
	return rv.Elem(), nil
}

// IsEmpty says whether an output field means "unchanged": absent, null or {}.
func IsEmpty(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return true
	}
	if t[0] != '{' {
		return false
	}
	return len(bytes.TrimSpace(t[1:len(t)-1])) == 0 && t[len(t)-1] == '}'
}

// EncodeEnvelope writes a union (a pointer to a struct of member pointers,
// like Bifrost's BifrostResponse) as {"<snake name>": member, ...} with its
// non-nil members.
func EncodeEnvelope(union any) (json.RawMessage, error) {
	set, err := encodeMembers(union, 0)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range set {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + e.key + `":`)
		b.Write(e.data)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodedMember is a member of a union and its JSON.
type encodedMember struct {
	member
	data json.RawMessage
}

// encodeMembers marshals the non-nil members of union in field order, at most `most` of them (0: all).
func encodeMembers(union any, most int) ([]encodedMember, error) {
	rv, err := structOf(union)
	if err != nil {
		return nil, err
	}
	var out []encodedMember
	for _, m := range members(rv.Type()) {
		f := rv.Field(m.index)
		if f.IsNil() {
			continue
		}
		data, err := Marshal(f.Interface())
		if err != nil {
			return nil, fmt.Errorf("abimap: %s: %w", m.name, err)
		}
		if out = append(out, encodedMember{m, data}); len(out) == most {
			break
		}
	}
	return out, nil
}

// DecodeEnvelope reads an envelope into union (a pointer to a zero struct of
// the union's type), member by member: a key is a member's snake-case name
// or its Go name; null members are skipped. An unknown key is an error
// naming the keys the union has, so a plugin's typo does not vanish.
func DecodeEnvelope(data json.RawMessage, union any) error {
	rv, err := structOf(union)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := Unmarshal(data, &fields); err != nil {
		return fmt.Errorf("the response is not a JSON object: %w", err)
	}
	ms := members(rv.Type())
	for key, raw := range fields {
		if IsNull(raw) {
			continue
		}
		m, ok := findMember(ms, key)
		if !ok {
			return fmt.Errorf("the response has a field %q, which is no kind of answer (expected one of %s)", key, keyList(ms))
		}
		p := reflect.New(m.typ.Elem())
		if err := Unmarshal(raw, p.Interface()); err != nil {
			return fmt.Errorf("the response's %q: %w", key, err)
		}
		rv.Field(m.index).Set(p)
	}
	return nil
}

func findMember(ms []member, key string) (member, bool) {
	for _, m := range ms {
		if m.key == key || m.name == key {
			return m, true
		}
	}
	return member{}, false
}

func keyList(ms []member) string {
	keys := make([]string, 0, len(ms))
	for _, m := range ms {
		keys = append(keys, m.key)
	}
	if len(keys) > 8 {
		keys = append(keys[:8], "...")
	}
	return strings.Join(keys, ", ")
}

// IsNull says whether raw is absent or JSON null.
func IsNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// EncodeMember writes the one non-nil member of a union (Bifrost's
// BifrostRequest, BifrostStreamChunk) as it is, and names it. A union with
// no member set encodes as {} with an empty name (Bifrost streams a
// short-circuit answered in a field that is no stream field as such an
// empty chunk).
func EncodeMember(union any) (json.RawMessage, string, error) {
	set, err := encodeMembers(union, 1)
	if err != nil {
		return nil, "", err
	}
	if len(set) == 0 {
		return json.RawMessage("{}"), "", nil
	}
	return set[0].data, set[0].name, nil
}

// DecodeMember applies a plugin's output to the member `name` of union: the
// JSON is unmarshalled onto a shallow copy of the member (fields it does not
// name keep their values, as the local gateway merges a request's top-level
// fields), and the copy replaces the member. A wrapper object whose one key
// is the member's snake-case name (`{"chat_request": {...}}`) is read too.
func DecodeMember(data json.RawMessage, union any, name string) error {
	rv, m, err := unionMember(union, name)
	if err != nil {
		return err
	}
	var wrapped map[string]json.RawMessage
	if Unmarshal(data, &wrapped) == nil && len(wrapped) == 1 {
		if inner, ok := wrapped[m.key]; ok {
			data = inner
		}
	}
	p := reflect.New(m.typ.Elem())
	if cur := rv.Field(m.index); !cur.IsNil() {
		p.Elem().Set(cur.Elem())
	}
	if err := Unmarshal(data, p.Interface()); err != nil {
		return fmt.Errorf("the plugin's %s: %w", m.key, err)
	}
	rv.Field(m.index).Set(p)
	return nil
}

// unionMember is union's struct value and its member `name`.
func unionMember(union any, name string) (reflect.Value, member, error) {
	rv, err := structOf(union)
	if err != nil {
		return reflect.Value{}, member{}, err
	}
	m, ok := findMember(members(rv.Type()), name)
	if !ok {
		return reflect.Value{}, member{}, fmt.Errorf("abimap: %T has no member %s", union, name)
	}
	return rv, m, nil
}

// NewMember sets the member `name` of union to a fresh value decoded from
// data (a stream chunk replaced by a plugin's).
func NewMember(data json.RawMessage, union any, name string) error {
	rv, m, err := unionMember(union, name)
	if err != nil {
		return err
	}
	p := reflect.New(m.typ.Elem())
	if err := Unmarshal(data, p.Interface()); err != nil {
		return fmt.Errorf("the plugin's %s: %w", m.key, err)
	}
	rv.Field(m.index).Set(p)
	return nil
}

// WithRequestType adds `"request_type": <t>` to a flat request object (Go's
// BifrostRequest.RequestType, e.g. chat_completion_stream: the one place a
// pre hook learns that the client asked for a stream, since Bifrost's HTTP
// transport names the route's type in the context). Go's request structs
// have no such field, so a plugin's request that keeps it decodes as well.
func WithRequestType(flat json.RawMessage, t string) json.RawMessage {
	b := bytes.TrimSpace(flat)
	if t == "" || len(b) < 2 || b[0] != '{' {
		return flat
	}
	name, _ := Marshal(t)
	out := make([]byte, 0, len(b)+len(name)+18)
	out = append(out, `{"request_type":`...)
	out = append(out, name...)
	if len(bytes.TrimSpace(b[1:len(b)-1])) > 0 {
		out = append(out, ',')
	}
	return append(out, b[1:]...)
}
