package engine

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The project's test plugins, built by `deno task build:test-plugins`.
func plugin(t *testing.T, name string) []byte {
	t.Helper()
	wasm, err := os.ReadFile("../../../../build/" + name + ".wasm")
	if err != nil {
		t.Skipf("build/%s.wasm is not built (deno task build:test-plugins): %v", name, err)
	}
	return wasm
}

func TestHelloWorldShortCircuitsMockModel(t *testing.T) {
	ctx := context.Background()
	p, err := Load(ctx, plugin(t, "hello-world"), Options{Label: "hello-world", Config: []byte(`{}`), PoolSize: 2, HookTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	if !strings.HasPrefix(p.Name(), "hello-world") || !p.Has("pre_hook") || p.Has("no_such_hook") {
		t.Fatalf("name %q, exports wrong", p.Name())
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Call(ctx, "pre_hook", []byte(`{"context":{"request-id":"r1"},"request":{"provider":"openai","model":"mock-model","input":[]}}`))
			if err != nil {
				t.Error(err)
				return
			}
			var out struct {
				HasShortCircuit bool `json:"has_short_circuit"`
			}
			if err := json.Unmarshal(res.Output, &out); err != nil || !out.HasShortCircuit {
				t.Errorf("want a short-circuit, got %s (%v)", res.Output, err)
			}
		}()
	}
	wg.Wait()
}

func TestTrapFailsOneCallOnly(t *testing.T) {
	ctx := context.Background()
	p, err := Load(ctx, plugin(t, "trap"), Options{Label: "trap", PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	_, err = p.Call(ctx, "pre_hook", []byte(`{"context":{},"request":{"model":"trap-model"}}`))
	var he *HookError
	if !errors.As(err, &he) || !errors.Is(err, ErrTrap) || he.Hook != "pre_hook" {
		t.Fatalf("want a trap in pre_hook, got %v", err)
	}
	if _, err := p.Call(ctx, "pre_hook", []byte(`{"context":{},"request":{"model":"gpt-4o"}}`)); err != nil {
		t.Fatalf("the next call gets a fresh instance: %v", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Call(ctx, "pre_hook", []byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
