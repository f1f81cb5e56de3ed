package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The repository's root, from this package's directory.
const root = "../.."

// realPlugin reads a plugin the TypeScript side builds, or skips the test saying how to build it.
func realPlugin(t testing.TB, file, build string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "build", file))
	if err != nil {
		t.Skipf("build/%s is not built (%s)", file, build)
	}
	return b
}

type fixture struct {
	path   string
	hook   string
	config []byte
	input  []byte
	expect any
	match  string
}

// readFixtures reads <hook>/<case>.json files under dir (format: lib/project/fixtures.ts), in path order.
func readFixtures(t *testing.T, dir string) []fixture {
	t.Helper()
	var out []fixture
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var raw struct {
			Input  json.RawMessage `json:"input"`
			Config json.RawMessage `json:"config"`
			Expect json.RawMessage `json:"expect"`
			Match  string          `json:"match"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		f := fixture{path: path, hook: filepath.Base(filepath.Dir(path)), match: raw.Match, config: []byte("{}")}
		var s string
		if json.Unmarshal(raw.Input, &s) == nil {
			f.input = []byte(s) // a string is sent as is
		} else {
			f.input = compact(t, raw.Input)
		}
		if len(raw.Config) > 0 {
			f.config = compact(t, raw.Config)
		}
		if raw.Expect == nil {
			return nil
		}
		f.expect = decode(t, raw.Expect)
		out = append(out, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

func compact(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, b)
	}
	return v
}

// mismatch says where actual differs from expected ("" when it matches); partial lets objects have more keys.
func mismatch(expected, actual any, partial bool, path string) string {
	switch e := expected.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: expected an object, found %v", path, actual)
		}
		for k, v := range e {
			av, ok := a[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", path, k)
			}
			if m := mismatch(v, av, partial, path+"."+k); m != "" {
				return m
			}
		}
		if !partial {
			for k := range a {
				if _, ok := e[k]; !ok {
					return fmt.Sprintf("%s.%s: not expected", path, k)
				}
			}
		}
		return ""
	case []any:
		a, ok := actual.([]any)
		if !ok || len(a) != len(e) {
			return fmt.Sprintf("%s: expected %d items, found %v", path, len(e), actual)
		}
		for i := range e {
			if m := mismatch(e[i], a[i], partial, fmt.Sprintf("%s[%d]", path, i)); m != "" {
				return m
			}
		}
		return ""
	case json.Number:
		a, ok := actual.(json.Number)
		ef, _ := e.Float64()
		af, _ := a.Float64()
		if !ok || ef != af {
			return fmt.Sprintf("%s: expected %s, found %v", path, e, actual)
		}
		return ""
	}
	if expected != actual {
		return fmt.Sprintf("%s: expected %v, found %v", path, expected, actual)
	}
	return ""
}

// runFixtures runs each fixture under each free policy, one plugin per policy and config, calls in file order
// (as lib/project/fixtures.ts does).
func runFixtures(t *testing.T, wasm []byte, dir string, policies ...FreePolicy) {
	fixtures := readFixtures(t, dir)
	if len(fixtures) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	ctx := context.Background()
	for _, policy := range policies {
		plugins := map[string]*Plugin{}
		for _, f := range fixtures {
			p := plugins[string(f.config)]
			if p == nil {
				var err error
				p, err = Load(ctx, wasm, Options{Label: "plugin.wasm", Config: f.config, FreePolicy: policy, PoolSize: 1})
				if err != nil {
					t.Fatalf("%s: load: %v", f.path, err)
				}
				defer p.Close(ctx)
				plugins[string(f.config)] = p
			}
			r, err := p.Call(ctx, f.hook, f.input)
			if err != nil {
				t.Errorf("%s under %s: %v", f.path, policy, err)
				continue
			}
			if r.Output == nil {
				t.Errorf("%s under %s: the hook returned 0", f.path, policy)
				continue
			}
			if m := mismatch(f.expect, decode(t, r.Output), f.match == "partial", "$"); m != "" {
				t.Errorf("%s under %s: %s", f.path, policy, m)
			}
		}
	}
}

func TestHelloWorldFixtures(t *testing.T) {
	wasm := realPlugin(t, "hello-world.wasm", "deno task build")
	runFixtures(t, wasm, filepath.Join(root, "fixtures"), FreeBoth, FreeInput, FreeNone, FreeDouble)
}

func TestRustPluginFixtures(t *testing.T) {
	for _, file := range []string{"rust-plugin.wasm", "rust-plugin-wasi.wasm"} {
		t.Run(file, func(t *testing.T) {
			wasm := realPlugin(t, file, "deno task build:rust")
			// The Rust example's free is dlmalloc's: a second free of a buffer traps (as .ci/run's fixture runs
			// leave out "double").
			runFixtures(t, wasm, filepath.Join(root, "testdata", "rust-plugin", "fixtures"), FreeBoth, FreeInput, FreeNone)
		})
	}
}

func TestHelloWorldName(t *testing.T) {
	wasm := realPlugin(t, "hello-world.wasm", "deno task build")
	p, err := Load(context.Background(), wasm, Options{Label: "hello-world.wasm"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if p.Name() != "hello-world-wasm-typescript" {
		t.Fatalf("name %q", p.Name())
	}
	for _, h := range []string{"http_intercept", "http_pre_hook", "pre_hook", "post_hook", "http_post_hook", "http_stream_chunk_hook", "init", "cleanup", "max_input_size"} {
		if !p.Has(h) {
			t.Errorf("no %s", h)
		}
	}
}
