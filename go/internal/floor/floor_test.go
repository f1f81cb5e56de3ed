package floor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bifrost-as/bifrost-as/go/engine"
)

const root = "../../.."

// inputs are hello-world's rich inputs (testdata/hello_world/) by hook.
var inputs = map[string]string{
	"http_pre_hook.json":   "http_pre_hook",
	"post_hook_error.json": "post_hook",
	"post_hook_rich.json":  "post_hook",
	"pre_hook_rich.json":   "pre_hook",
	"stream_chunk.json":    "http_stream_chunk_hook",
}

func readInput(tb testing.TB, file string) []byte {
	b, err := os.ReadFile(filepath.Join(root, "testdata", "hello_world", file))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func parse(tb testing.TB, b []byte) any {
	var v any // numbers as float64: 1.0 and 1 are one value
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("%v: %.100s", err, b)
	}
	return v
}

// TestFloorIsHelloWorld: the floor answers what hello-world answers (as JSON values), with both codecs, so it
// does the plugin's work and no less.
func TestFloorIsHelloWorld(t *testing.T) {
	wasm, err := os.ReadFile(filepath.Join(root, "build", "hello-world.wasm"))
	if err != nil {
		t.Skip("build/hello-world.wasm is not built (deno task build)")
	}
	ctx := context.Background()
	p, err := engine.Load(ctx, wasm, engine.Options{Label: "hello-world.wasm", PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	extra := map[string]string{
		`{"context":{"request_id":"r1"},"request":{"provider":"openai","model":"mock-model","input":[{"role":"user","content":"Hi"}]}}`: "pre_hook",
		`{"context":{"request_id":"r2","bifrost-http-request-type":"responses_stream"},"request":{"model":"mock-model","input":"Hi"}}`:  "pre_hook",
		`{"context":{},"request":{"model":"rate-limited-model"}}`:                                                                       "pre_hook",
		`{"context":{},"response":{"text_completion_response":{"object":"text_completion","model":"m"}},"has_error":false}`:             "post_hook",
	}
	cases := map[string]string{}
	for file, hook := range inputs {
		cases[string(readInput(t, file))] = hook
	}
	for in, hook := range extra {
		cases[in] = hook
	}
	for in, hook := range cases {
		r, err := p.Call(ctx, hook, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		want := parse(t, r.Output)
		for _, c := range Codecs() {
			out, err := Run(c, hook, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if got := parse(t, out); !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s on %.80s:\n got %.300s\nwant %.300s", c.Name, hook, in, out, r.Output)
			}
		}
	}
}

func BenchmarkFloor(b *testing.B) {
	for file, hook := range inputs {
		in := readInput(b, file)
		for _, c := range Codecs() {
			b.Run(file+"/"+c.Name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in)))
				for b.Loop() {
					if _, err := Run(c, hook, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// FuzzRun: any JSON input gets an answer from both codecs (the floor never panics on a shape it does not expect),
// and the two answers are the same JSON value.
func FuzzRun(f *testing.F) {
	for file := range inputs {
		f.Add(readInput(f, file))
	}
	for _, s := range []string{`{}`, `[]`, `null`, `{"context":[]}`, `{"has_error":true,"error":1}`, `{"response":{"responses_stream_response":{}}}`, `{"request":{"input":[[1]]}}`} {
		f.Add([]byte(s))
	}
	hooks := []string{"http_intercept", "http_pre_hook", "pre_hook", "post_hook", "http_post_hook", "http_stream_chunk_hook"}
	f.Fuzz(func(t *testing.T, in []byte) {
		var v any
		if json.Unmarshal(in, &v) != nil {
			return
		}
		for _, hook := range hooks {
			var first []byte
			for _, c := range Codecs() {
				out, err := Run(c, hook, in)
				if err != nil {
					if c == Sonic {
						continue // sonic refuses some inputs encoding/json takes
					}
					t.Fatalf("%s %s: %v", c.Name, hook, err)
				}
				if first == nil {
					first = out
				} else if !reflect.DeepEqual(parse(t, first), parse(t, out)) {
					t.Fatalf("%s: %s, then %s %s", hook, first, c.Name, out)
				}
			}
		}
	})
}
