package abimap

import (
	"encoding/json"
	"strings"
	"testing"
)

// Stand-ins with the shapes of Bifrost's types (core/schemas): unions of
// member pointers without JSON tags, members with tags.
type chatRequest struct {
	Provider string           `json:"provider"`
	Model    string           `json:"model"`
	Input    []map[string]any `json:"input,omitempty"`
	Params   map[string]any   `json:"params,omitempty"`
}

type textRequest struct {
	Model string `json:"model"`
	Input string `json:"input"`
}

type request struct {
	RequestType           string
	TextCompletionRequest *textRequest
	ChatRequest           *chatRequest
}

type chatResponse struct {
	ID    string `json:"id"`
	Model string `json:"model"`
}

type response struct {
	ListModelsResponse      *struct{} // never set here
	ChatResponse            *chatResponse
	ResponsesStreamResponse *struct {
		Type string `json:"type"`
	}
}

type streamChunk struct {
	*chatResponse
	*textRequest
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"ChatResponse":            "chat_response",
		"ListModelsResponse":      "list_models_response",
		"ResponsesStreamResponse": "responses_stream_response",
		"HTTPRequest":             "http_request",
		"TextCompletionRequest":   "text_completion_request",
	} {
		if got := Snake(in); got != want {
			t.Errorf("Snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	r := &response{ChatResponse: &chatResponse{ID: "x", Model: "gpt-4o"}}
	data, err := EncodeEnvelope(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"chat_response":{"id":"x","model":"gpt-4o"}}` {
		t.Fatalf("envelope: %s", data)
	}
	var back response
	if err := DecodeEnvelope(json.RawMessage(`{"chat_response":{"id":"x","model":"gpt-4o-suffix"},"responses_stream_response":null}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.ChatResponse == nil || back.ChatResponse.Model != "gpt-4o-suffix" || back.ResponsesStreamResponse != nil {
		t.Fatalf("decoded: %+v", back)
	}
	// Go's own field name is read too.
	var goName response
	if err := DecodeEnvelope(json.RawMessage(`{"ChatResponse":{"id":"y"}}`), &goName); err != nil || goName.ChatResponse.ID != "y" {
		t.Fatalf("Go name: %v %+v", err, goName)
	}
}

func TestEnvelopeUnknownKey(t *testing.T) {
	var r response
	err := DecodeEnvelope(json.RawMessage(`{"chat_answer":{}}`), &r)
	if err == nil || !strings.Contains(err.Error(), `"chat_answer"`) || !strings.Contains(err.Error(), "chat_response") {
		t.Fatalf("want an error naming the key and the known keys, got %v", err)
	}
	if err := DecodeEnvelope(json.RawMessage(`[1]`), &r); err == nil {
		t.Fatal("an array is no envelope")
	}
}

func TestMemberFlatAndMerge(t *testing.T) {
	req := &request{RequestType: "chat_completion", ChatRequest: &chatRequest{Provider: "openai", Model: "gpt-4o", Params: map[string]any{"temperature": 0.5}}}
	data, name, err := EncodeMember(req)
	if err != nil {
		t.Fatal(err)
	}
	if name != "ChatRequest" || string(data) != `{"provider":"openai","model":"gpt-4o","params":{"temperature":0.5}}` {
		t.Fatalf("flat request: %s %s", name, data)
	}
	next := *req
	if err := DecodeMember(json.RawMessage(`{"model":"gpt-4o-mini"}`), &next, name); err != nil {
		t.Fatal(err)
	}
	if next.ChatRequest.Model != "gpt-4o-mini" || next.ChatRequest.Provider != "openai" {
		t.Fatalf("fields the plugin did not name keep their values: %+v", next.ChatRequest)
	}
	if req.ChatRequest.Model != "gpt-4o" {
		t.Fatal("the original request must not change")
	}
	wrapped := *req
	if err := DecodeMember(json.RawMessage(`{"chat_request":{"model":"wrapped"}}`), &wrapped, name); err != nil || wrapped.ChatRequest.Model != "wrapped" {
		t.Fatalf("wrapped: %v %+v", err, wrapped.ChatRequest)
	}
	if err := DecodeMember(json.RawMessage(`{"model":1}`), &next, name); err == nil {
		t.Fatal("a wrong type must fail")
	}
	empty, name, err := EncodeMember(&request{})
	if err != nil || name != "" || string(empty) != "{}" {
		t.Fatalf("empty union: %s %q %v", empty, name, err)
	}
}

func TestEmbeddedMembers(t *testing.T) {
	chunk := &streamChunk{chatResponse: &chatResponse{ID: "c1", Model: "m"}}
	// Embedded fields of unexported types are not exported: Bifrost's are (BifrostChatResponse).
	if _, name, _ := EncodeMember(chunk); name != "" {
		t.Fatalf("unexported embedded members are skipped, got %q", name)
	}
	type Chat = chatResponse
	type exported struct{ *Chat }
	data, name, err := EncodeMember(&exported{&Chat{ID: "c2"}})
	if err != nil || name != "Chat" || !strings.Contains(string(data), `"id":"c2"`) {
		t.Fatalf("exported embedded member: %s %q %v", data, name, err)
	}
	var next exported
	if err := NewMember(json.RawMessage(`{"id":"c3"}`), &next, "Chat"); err != nil || next.Chat.ID != "c3" {
		t.Fatalf("new member: %v", err)
	}
}

func TestIsEmpty(t *testing.T) {
	for in, want := range map[string]bool{"": true, "null": true, "{}": true, " { } ": true, `{"a":1}`: false, "[]": false, `""`: false} {
		if got := IsEmpty(json.RawMessage(in)); got != want {
			t.Errorf("IsEmpty(%q) = %v", in, got)
		}
	}
}

type ctxKey string

func TestContext(t *testing.T) {
	type requestType string
	values := map[any]any{
		ctxKey("request-id"):                "abc",
		ctxKey("bifrost-http-request-type"): requestType("chat_completion"),
		"retries":                           3,
		ctxKey("logger"):                    func() {},
		struct{}{}:                          "not a string key",
		ctxKey("tags"):                      map[string]any{"a": "b"},
		ctxKey("nil"):                       nil,
	}
	c := EncodeContext(values)
	want := `{"bifrost-http-request-type":"chat_completion","request-id":"abc","retries":3,"tags":{"a":"b"}}`
	if string(c.JSON) != want {
		t.Fatalf("context: %s", c.JSON)
	}
	var out map[string]json.RawMessage
	_ = json.Unmarshal([]byte(`{"request-id":"abc","retries":3.0,"tags":{"a":"b"},"seen":true,"request-type":"x"}`), &out)
	changes := c.Changes(out)
	if len(changes) != 2 || changes["seen"] != true || changes["request-type"] != "x" {
		t.Fatalf("changes: %v", changes)
	}
}

func TestErrors(t *testing.T) {
	yes := true
	got := ErrorJSON(json.RawMessage(`{"error":{"message":"m"},"status_code":429}`), &yes)
	if string(got) != `{"error":{"message":"m"},"status_code":429,"allow_fallbacks":true}` {
		t.Fatalf("error JSON: %s", got)
	}
	if string(ErrorJSON(json.RawMessage(`{}`), &yes)) != `{"allow_fallbacks":true}` {
		t.Fatal("empty error")
	}
	if string(ErrorJSON(json.RawMessage(`{"a":1}`), nil)) != `{"a":1}` {
		t.Fatal("nil leaves the JSON alone")
	}
	if a := AllowFallbacks(json.RawMessage(`{"allow_fallbacks":false}`)); a == nil || *a {
		t.Fatal("allow_fallbacks false")
	}
	if AllowFallbacks(json.RawMessage(`{"allow_fallbacks":"no"}`)) != nil || AllowFallbacks(json.RawMessage(`{}`)) != nil {
		t.Fatal("absent or not a boolean is nil")
	}
}

func TestChunkDrops(t *testing.T) {
	no := false
	for _, c := range []struct {
		out  ChunkHookOutput
		want bool
	}{{ChunkHookOutput{}, false}, {ChunkHookOutput{Skip: true}, true}, {ChunkHookOutput{HasChunk: &no}, true}} {
		if c.out.Drops() != c.want {
			t.Errorf("%+v: drops = %v", c.out, !c.want)
		}
	}
}

func TestWithRequestType(t *testing.T) {
	if got := string(WithRequestType(json.RawMessage(`{"model":"m"}`), "chat_completion_stream")); got != `{"request_type":"chat_completion_stream","model":"m"}` {
		t.Fatal(got)
	}
	if got := string(WithRequestType(json.RawMessage(`{}`), "list_models")); got != `{"request_type":"list_models"}` {
		t.Fatal(got)
	}
	if got := string(WithRequestType(json.RawMessage(`{"a":1}`), "")); got != `{"a":1}` {
		t.Fatal(got)
	}
	var back request
	back.ChatRequest = &chatRequest{}
	if err := DecodeMember(WithRequestType(json.RawMessage(`{"model":"x"}`), "chat_completion"), &back, "ChatRequest"); err != nil || back.ChatRequest.Model != "x" {
		t.Fatalf("a request that keeps request_type decodes: %v", err)
	}
}

// TestPlainJSONIsMarshal: the context's fast path writes what Marshal writes, and leaves the rest to it.
func TestPlainJSONIsMarshal(t *testing.T) {
	for _, v := range []any{"", "abc-123", "0f0e6a9c-3b1c", "a b~", true, false, 0, -7, 1 << 40, int64(-1 << 62),
		"<", ">", "&", `"`, `\`, "\n", "\x7f", "é", "\u2028", "\xff", 1.5, uint8(3), []string{"x"}} {
		want, err := Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := plainJSON(v); ok && string(got) != string(want) {
			t.Errorf("%#v: %s, Marshal writes %s", v, got, want)
		}
	}
	for _, s := range []string{"<", "\n", "é", `"`, `\`} {
		if plainString(s) {
			t.Errorf("%q taken as plain", s)
		}
	}
	if !plainString("bifrost-request-id") {
		t.Error("a plain key refused")
	}
}
