// Package floor is hello-world's hooks in plain Go on generic JSON values:
// the benchmark's native floor (parse, the hook's one change, serialise),
// a port of lib/bench/native.ts (which follows assembly/hello_world.ts with
// its default config, reading request kinds as lib/abi/request_kinds.ts).
// Pure functions: safe for concurrent use.
package floor

import "strings"

// Name is the name hello-world writes into the context.
const Name = "hello-world-wasm-typescript"

// Suffixes hello-world appends in post_hook.
const (
	ModelSuffix = " (via assemblyscript-wasm)"
	ErrorSuffix = " (via assemblyscript plugin)"
)

const requestTypeKey = "bifrost-http-request-type"

type obj = map[string]any

func object(v any) (obj, bool) {
	o, ok := v.(obj)
	return o, ok
}

func objectOr(v any) obj {
	if o, ok := object(v); ok {
		return o
	}
	return obj{}
}

type wrapper struct{ key, kind string }

var wrapped = [][3]string{
	{"chat", "chat", "Chat"},
	{"text_completion", "text_completion", "TextCompletion"},
	{"responses", "responses", "Responses"},
	{"embedding", "embedding", "Embedding"},
	{"list_models", "list_models", "ListModels"},
}

func wrapperKeys(snakeSuffix, goSuffix string) []wrapper {
	var out []wrapper
	for _, w := range wrapped {
		out = append(out, wrapper{w[1] + snakeSuffix, w[0]}, wrapper{w[2] + goSuffix, w[0]})
	}
	return out
}

var (
	requestWrappers  = wrapperKeys("_request", "Request")
	streamEvents     = []wrapper{{"responses_stream_response", "responses"}, {"ResponsesStreamResponse", "responses"}}
	responseWrappers = append(wrapperKeys("_response", "Response"), streamEvents...)
)

func kindOfRequestType(t string) string {
	switch t {
	case "chat_completion", "chat_completion_stream":
		return "chat"
	case "text_completion", "text_completion_stream":
		return "text_completion"
	case "responses", "responses_stream":
		return "responses"
	case "embedding":
		return "embedding"
	case "list_models":
		return "list_models"
	}
	return "unknown"
}

// unwrap finds the first wrapper key holding an object (a non-object stops the search, the body stays o).
func unwrap(o obj, keys []wrapper) (body obj, key string) {
	for _, w := range keys {
		v, ok := o[w.key]
		if !ok || v == nil {
			continue
		}
		if b, ok := object(v); ok {
			return b, w.key
		}
		return o, ""
	}
	return o, ""
}

func kindOf(keys []wrapper, key string) string {
	for _, w := range keys {
		if w.key == key {
			return w.kind
		}
	}
	return "unknown"
}

func embeddingParams(body obj) bool {
	p, ok := object(body["params"])
	if !ok {
		return false
	}
	_, a := p["encoding_format"]
	_, b := p["dimensions"]
	return a || b
}

func shapeKind(body obj) string {
	switch input := body["input"].(type) {
	case string:
		if embeddingParams(body) {
			return "embedding"
		}
		return "text_completion"
	case []any:
		if len(input) == 0 {
			return "chat"
		}
		switch input[0].(type) {
		case string:
			if embeddingParams(body) {
				return "embedding"
			}
			return "text_completion"
		case float64, []any:
			return "embedding"
		}
		for _, item := range input {
			if o, ok := object(item); ok {
				if _, ok := o["type"].(string); ok {
					return "responses"
				}
			}
		}
	}
	return "chat"
}

func requestKind(context, request obj) (string, obj) {
	body, key := request, ""
	_, m := request["model"]
	_, i := request["input"]
	_, p := request["provider"]
	if !(m || i || p) {
		body, key = unwrap(request, requestWrappers)
	}
	if t, ok := context[requestTypeKey].(string); ok {
		return kindOfRequestType(t), body
	}
	if key != "" {
		return kindOf(requestWrappers, key), body
	}
	for _, k := range []string{"RequestType", "request_type"} {
		if t, ok := request[k].(string); ok {
			return kindOfRequestType(t), body
		}
	}
	return shapeKind(body), body
}

func responseKind(response obj) (string, obj) {
	body, key := unwrap(response, responseWrappers)
	event := false
	for _, w := range streamEvents {
		if w.key == key {
			event = true
		}
	}
	if key == "" {
		if _, has := body["object"]; !has {
			if t, ok := body["type"].(string); ok && strings.HasPrefix(t, "response.") {
				event = true
			}
		}
	}
	if event {
		return "responses", objectOr(body["response"])
	}
	if key != "" {
		return kindOf(responseWrappers, key), body
	}
	switch body["object"] {
	case "chat.completion", "chat.completion.chunk":
		return "chat", body
	case "text_completion":
		return "text_completion", body
	case "response":
		return "responses", body
	case "list":
		if data, ok := body["data"].([]any); ok && len(data) > 0 {
			if first, ok := object(data[0]); ok && first["object"] == "embedding" {
				return "embedding", body
			}
		}
		return "list_models", body
	}
	return "unknown", body
}

// Hook is hello-world's output for a parsed input (reusing and changing the input's objects).
func Hook(hook string, input any) obj {
	in := objectOr(input)
	context := objectOr(in["context"])
	switch hook {
	case "http_intercept", "http_pre_hook":
		context["http_intercepted"] = true
		return obj{"context": context, "request": nil, "response": nil, "has_response": false, "error": ""}
	case "http_post_hook":
		return obj{"context": context, "response": nil, "error": ""}
	case "http_stream_chunk_hook":
		return obj{"context": context, "chunk": in["chunk"], "has_chunk": true, "skip": false, "error": ""}
	case "pre_hook":
		return preHook(in, context)
	case "post_hook":
		return postHook(in, context)
	}
	return obj{}
}

func textAnswer(kind, id, model, text string, stream bool) obj {
	switch kind {
	case "text_completion":
		return obj{"text_completion_response": obj{"id": id, "object": "text_completion", "model": model,
			"choices": []any{obj{"index": 0, "text": text, "finish_reason": "stop"}},
			"usage":   obj{"prompt_tokens": 10, "completion_tokens": 15, "total_tokens": 25}}}
	case "responses":
		message := obj{"type": "message", "id": "msg-" + id, "status": "completed", "role": "assistant",
			"content": []any{obj{"type": "output_text", "text": text, "annotations": []any{}}}}
		response := obj{"id": id, "object": "response", "created_at": 0, "status": "completed", "model": model,
			"output": []any{message}, "usage": obj{"input_tokens": 10, "output_tokens": 15, "total_tokens": 25}}
		if stream {
			return obj{"responses_stream_response": obj{"type": "response.completed", "sequence_number": 0, "response": response}}
		}
		return obj{"responses_response": response}
	case "chat":
		message := obj{"role": "assistant", "content": text}
		choice := obj{"index": 0, "finish_reason": "stop"}
		answer := obj{"id": id, "model": model, "usage": obj{"prompt_tokens": 10, "completion_tokens": 15, "total_tokens": 25}}
		if stream {
			choice["delta"] = message
			answer["object"] = "chat.completion.chunk"
		} else {
			choice["message"] = message
		}
		answer["choices"] = []any{choice}
		return obj{"chat_response": answer}
	}
	return nil
}

func preHook(in, context obj) obj {
	context["plugin_processed"] = true
	context["plugin_name"] = Name
	kind, body := requestKind(context, objectOr(in["request"]))
	model, _ := body["model"].(string)
	out := obj{"context": context, "request": nil, "short_circuit": nil, "has_short_circuit": false, "error": ""}
	switch model {
	case "mock-model":
		id, ok := context["request_id"].(string)
		if !ok {
			id, _ = context["request-id"].(string)
		}
		t, _ := context[requestTypeKey].(string)
		if answer := textAnswer(kind, "mock-"+id, model, "This is a mock response!", strings.HasSuffix(t, "_stream")); answer != nil {
			out["short_circuit"] = obj{"response": answer}
			out["has_short_circuit"] = true
		}
	case "rate-limited-model":
		out["short_circuit"] = obj{"error": obj{"error": obj{"message": "Rate limit exceeded", "type": "rate_limit", "code": "429"}, "status_code": 429}}
		out["has_short_circuit"] = true
	}
	return out
}

func postHook(in, context obj) obj {
	context["post_hook_completed"] = true
	out := obj{"context": context, "response": nil, "error": nil, "has_error": false, "hook_error": ""}
	if in["has_error"] == true {
		e := objectOr(in["error"])
		field, ok := object(e["error"])
		if !ok {
			field = obj{}
			e["error"] = field
		}
		msg, _ := field["message"].(string)
		field["message"] = msg + ErrorSuffix
		out["error"] = e
		out["has_error"] = true
		return out
	}
	response, ok := object(in["response"])
	if !ok {
		return out
	}
	kind, body := responseKind(response)
	if kind == "unknown" || kind == "list_models" {
		return out
	}
	model, _ := body["model"].(string)
	body["model"] = model + ModelSuffix
	out["response"] = response
	return out
}
