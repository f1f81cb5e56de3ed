package loader

import (
	"context"
	"os"
	"testing"

	"github.com/maximhq/bifrost/core/schemas"
)

// Needs Bifrost's modules: run in the workspace `deno task bifrost:build` writes
// (GOWORK=build/bifrost/go.work go test -bench . ./...), with build/hello-world.wasm built.
func BenchmarkChatRequestHooks(b *testing.B) { benchChat(b, 0) }

// Without a hook time limit, wazero watches no context per call.
func BenchmarkChatRequestHooksNoTimeout(b *testing.B) { benchChat(b, -1) }

func benchChat(b *testing.B, timeoutMs int) {
	wasm := "../../../build/hello-world.wasm"
	if _, err := os.Stat(wasm); err != nil {
		b.Skip("build/hello-world.wasm is not built")
	}
	var l Loader
	if err := l.Init(map[string]any{"wasm": wasm, "config": map[string]any{}, "hook_timeout_ms": timeoutMs}); err != nil {
		b.Fatal(err)
	}
	defer l.Cleanup()
	text := "Echo: Hello"
	model := "gpt-4o-mini"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx := schemas.NewBifrostContext(context.Background(), schemas.NoDeadline)
		ctx.SetValue(schemas.BifrostContextKeyRequestID, "0f0e6a9c-3b1c-4a57-8a0e-2b7c1d2e3f40")
		ctx.SetValue(schemas.BifrostContextKeyHTTPRequestType, schemas.ChatCompletionRequest)
		hreq := &schemas.HTTPRequest{Method: "POST", Path: "/v1/chat/completions",
			Headers: map[string]string{"Content-Type": "application/json"}, Query: map[string]string{},
			Body: []byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}`)}
		if _, err := l.HTTPTransportPreHook(ctx, hreq); err != nil {
			b.Fatal(err)
		}
		req := &schemas.BifrostRequest{RequestType: schemas.ChatCompletionRequest, ChatRequest: &schemas.BifrostChatRequest{
			Provider: "openai", Model: model,
			Input: []schemas.ChatMessage{{Role: "user", Content: &schemas.ChatMessageContent{ContentStr: &text}}},
		}}
		if _, sc, err := l.PreLLMHook(ctx, req); err != nil || sc != nil {
			b.Fatal(err, sc)
		}
		resp := &schemas.BifrostResponse{ChatResponse: &schemas.BifrostChatResponse{ID: "chatcmpl-1", Model: model, Object: "chat.completion",
			Choices: []schemas.BifrostResponseChoice{{Index: 0}}}}
		if _, e, err := l.PostLLMHook(ctx, resp, nil); err != nil || e != nil {
			b.Fatal(err, e)
		}
		if err := l.HTTPTransportPostHook(ctx, hreq, &schemas.HTTPResponse{StatusCode: 200, Headers: map[string]string{}, Body: []byte(`{}`)}); err != nil {
			b.Fatal(err)
		}
	}
}
