package engine

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// benchInputs are hello-world's rich inputs (testdata/hello_world/) by hook, and a small pre_hook input.
var benchInputs = map[string]string{
	"http_pre_hook.json":   "http_pre_hook",
	"post_hook_error.json": "post_hook",
	"post_hook_rich.json":  "post_hook",
	"pre_hook_rich.json":   "pre_hook",
	"stream_chunk.json":    "http_stream_chunk_hook",
}

const smallPreHook = `{"context":{"request_id":"abc-123"},"request":{"provider":"openai","model":"gpt-4o","input":[{"role":"user","content":"Hello"}]}}`

func benchInput(b *testing.B, file string) []byte {
	in, err := os.ReadFile(filepath.Join(root, "testdata", "hello_world", file))
	if err != nil {
		b.Fatal(err)
	}
	return in
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func benchLoad(b *testing.B, wasm []byte, opts Options) *Plugin {
	p, err := Load(context.Background(), wasm, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

func benchCall(b *testing.B, p *Plugin, hook string, in []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	ctx := context.Background()
	for b.Loop() {
		if _, err := p.Call(ctx, hook, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCall: one hook call per op on one instance, every input, for hello-world and the Rust plugin.
func BenchmarkCall(b *testing.B) {
	for _, plugin := range []struct{ file, build string }{
		{"hello-world.wasm", "deno task build"},
		{"rust-plugin.wasm", "deno task build:rust"},
	} {
		b.Run(plugin.file, func(b *testing.B) {
			p := benchLoad(b, realPlugin(b, plugin.file, plugin.build), Options{Label: plugin.file, PoolSize: 1})
			for _, file := range sortedKeys(benchInputs) {
				hook := benchInputs[file]
				if !p.Has(hook) {
					continue
				}
				in := benchInput(b, file)
				b.Run(file, func(b *testing.B) { benchCall(b, p, hook, in) })
			}
			b.Run("small_pre_hook", func(b *testing.B) { benchCall(b, p, "pre_hook", []byte(smallPreHook)) })
		})
	}
}

// BenchmarkCallFloor: the engine's own per-call cost (malloc, write, call, unpack, copy out, two frees) with a
// plugin that does nothing, with the deadline watcher (HookTimeout set: a goroutine per wasm call) and without.
func BenchmarkCallFloor(b *testing.B) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{{"no-deadline", 0}, {"deadline", time.Second}} {
		b.Run(tc.name, func(b *testing.B) {
			p := benchLoad(b, plugin(b, "echo"), Options{PoolSize: 1, HookTimeout: tc.timeout})
			benchCall(b, p, "pre_hook", []byte("{}"))
		})
	}
}

// BenchmarkCallParallel: hello-world's pre_hook from GOMAXPROCS goroutines through pools of 1 and 2 instances.
func BenchmarkCallParallel(b *testing.B) {
	wasm := realPlugin(b, "hello-world.wasm", "deno task build")
	for _, size := range []int{1, 2} {
		b.Run("pool"+string(rune('0'+size)), func(b *testing.B) {
			p := benchLoad(b, wasm, Options{Label: "hello-world.wasm", PoolSize: size})
			in := []byte(smallPreHook)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Call(context.Background(), "pre_hook", in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLoad: a cold load (a new runtime, compile, instantiate, init, get_name) without and with a warm
// compilation cache directory.
func BenchmarkLoad(b *testing.B) {
	wasm := realPlugin(b, "hello-world.wasm", "deno task build")
	dir := b.TempDir()
	// Warm the cache once.
	p, err := Load(context.Background(), wasm, Options{CacheDir: dir, PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	_ = p.Close(context.Background())
	for _, tc := range []struct{ name, cache string }{{"no-cache", ""}, {"cache", dir}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := Load(context.Background(), wasm, Options{CacheDir: tc.cache, PoolSize: 1})
				if err != nil {
					b.Fatal(err)
				}
				_ = p.Close(context.Background())
			}
		})
	}
}
