package engine

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// plugin reads testdata/<name>.wasm.
func plugin(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func load(t testing.TB, name string, opts Options) *Plugin {
	t.Helper()
	if opts.Label == "" {
		opts.Label = name + ".wasm"
	}
	p, err := Load(context.Background(), plugin(t, name), opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", name, err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

func TestWatMatchesWasm(t *testing.T) {
	if _, err := exec.LookPath("wat2wasm"); err != nil {
		t.Skip("wat2wasm not installed (apt-get install wabt)")
	}
	wats, _ := filepath.Glob("testdata/*.wat")
	if len(wats) == 0 {
		t.Fatal("no .wat files")
	}
	for _, wat := range wats {
		out := filepath.Join(t.TempDir(), "x.wasm")
		if b, err := exec.Command("wat2wasm", "--debug-names", wat, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", wat, err, b)
		}
		want, _ := os.ReadFile(out)
		got, _ := os.ReadFile(strings.TrimSuffix(wat, ".wat") + ".wasm")
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the committed .wasm is stale: run go generate ./engine", wat)
		}
	}
}

func TestEcho(t *testing.T) {
	p := load(t, "echo", Options{})
	if p.Name() != "echo" {
		t.Fatalf("name %q", p.Name())
	}
	for _, hook := range []string{"pre_hook", "post_hook", "http_pre_hook", "http_post_hook", "http_stream_chunk_hook"} {
		for _, in := range []string{"", "{}", `{"a":"é ☃ \u0000"}`, strings.Repeat("x", 200_000), "\xff\xfe not utf-8"} {
			r, err := p.Call(context.Background(), hook, []byte(in))
			if err != nil {
				t.Fatalf("%s: %v", hook, err)
			}
			if string(r.Output) != in || r.Output == nil {
				t.Fatalf("%s: output %q, want %q", hook, trunc(r.Output), trunc([]byte(in)))
			}
			if r.Stats.InputBytes != len(in) || r.Stats.OutputBytes != len(in) || r.Stats.PagesAfter < r.Stats.PagesBefore || r.Stats.DurationUs <= 0 {
				t.Fatalf("%s: stats %+v", hook, r.Stats)
			}
		}
	}
	if !p.Has("pre_hook") || p.Has("nope") || !p.Has("memory") {
		t.Fatal("Has")
	}
	code, err := p.Cleanup(context.Background())
	if err != nil || code != 0 {
		t.Fatalf("cleanup %d %v", code, err)
	}
}

func trunc(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func TestFreePolicies(t *testing.T) {
	// The counting hook answers the frees before its own: init's config (echo only) and one echo call.
	for _, tc := range []struct {
		plugin, count string
		policy        FreePolicy
		want          string
	}{
		{"echo", "http_intercept", FreeBoth, "3"},
		{"echo", "http_intercept", FreeInput, "2"},
		{"echo", "http_intercept", FreeNone, "0"},
		{"echo", "http_intercept", FreeDouble, "6"},
		{"echo", "http_intercept", "", "3"},
		{"free2", "post_hook", FreeBoth, "2"},
		{"free2", "post_hook", FreeDouble, "4"},
	} {
		t.Run(tc.plugin+"/"+string(tc.policy), func(t *testing.T) {
			p := load(t, tc.plugin, Options{FreePolicy: tc.policy, Config: nil})
			if _, err := p.Call(context.Background(), "pre_hook", []byte("abc")); err != nil {
				t.Fatal(err)
			}
			r, err := p.Call(context.Background(), tc.count, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Output) != tc.want {
				t.Fatalf("frees %q, want %q", r.Output, tc.want)
			}
		})
	}
	if _, err := Load(context.Background(), plugin(t, "echo"), Options{FreePolicy: "some"}); err == nil {
		t.Fatal("bad policy accepted")
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		plugin string
		opts   Options
		hook   string
		input  string
		warm   string // an input to post_hook first
		is     error
		msg    string
	}{
		{"unreachable", "trap", Options{}, "pre_hook", "{}", "", ErrTrap,
			`Plugin "trap" trapped in pre_hook: unreachable executed (an AssemblyScript abort or a Rust panic) in function "abort"`},
		{"divide", "trap", Options{}, "post_hook", "{}", "", ErrTrap, `Plugin "trap" trapped in post_hook: integer divide by zero in function "post_hook"`},
		{"bounds", "trap", Options{}, "http_pre_hook", "{}", "", ErrTrap, `Plugin "trap" trapped in http_pre_hook: memory access out of bounds in function "http_pre_hook"`},
		{"stack", "trap", Options{}, "http_post_hook", "{}", "", ErrTrap, `Plugin "trap" trapped in http_post_hook: call stack exhausted`},
		{"timeout", "spin", Options{HookTimeout: 250 * time.Millisecond}, "pre_hook", "{}", "", ErrTimeout,
			`Plugin "spin" pre_hook ran past its 250 ms budget (the host stopped it)`},
		{"oom", "oom", Options{MemoryLimitPages: 4}, "pre_hook", "{}", "", ErrMemoryLimit,
			`Plugin "oom" ran out of memory in pre_hook: unreachable executed in function "grow" (its memory is at the 4-page limit)`},
		{"malloc at limit", "oom", Options{MemoryLimitPages: 2}, "post_hook", strings.Repeat("x", 200_000), "", ErrInputTooLarge,
			`Plugin "oom" has at most 131,072 bytes of memory (2 pages): this post_hook input is 200,000 bytes (raise the host's memory cap)`},
		{"malloc refused", "oom", Options{MemoryLimitPages: 3}, "post_hook", strings.Repeat("x", 150_000), strings.Repeat("x", 150_000), ErrMemoryLimit,
			`Plugin "oom" ran out of memory in post_hook: malloc(150000) returned 0 at its 3-page limit`},
		{"bad pointer", "badptr", Options{}, "pre_hook", "{}", "", ErrBadOutput,
			`Plugin "badptr" pre_hook returned pointer 1048576 and length 16, outside its 65536-byte memory`},
		{"bad length", "badptr", Options{}, "post_hook", "{}", "", ErrBadOutput,
			`Plugin "badptr" post_hook returned pointer 16 and length 1048576, outside its 65536-byte memory`},
		{"malloc 0", "malloc0", Options{}, "pre_hook", "{}", "", ErrMallocZero,
			`Plugin "malloc0" cannot take the pre_hook input: malloc(2) returned 0`},
		{"proc_exit", "exit", Options{}, "pre_hook", "{}", "", ErrExit, `Plugin "exit" called proc_exit(3) in pre_hook`},
		{"malloc traps", "alloc_trap", Options{}, "pre_hook", "abc", "", ErrTrap,
			`Plugin "alloc_trap" trapped in pre_hook (in malloc, for its input): unreachable executed (an AssemblyScript abort or a Rust panic) in function "malloc"`},
		{"free traps", "alloc_trap", Options{}, "pre_hook", "!x", "", ErrTrap,
			`Plugin "alloc_trap" trapped in free, the host's free of the pre_hook input buffer: unreachable executed (an AssemblyScript abort or a Rust panic) in function "free"`},
		{"no export", "spin", Options{}, "http_pre_hook", "{}", "", ErrNoExport, `Plugin "spin" does not export "http_pre_hook"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := load(t, tc.plugin, tc.opts)
			if tc.warm != "" {
				if _, err := p.Call(ctx, "post_hook", []byte(tc.warm)); err != nil {
					t.Fatal(err)
				}
			}
			_, err := p.Call(ctx, tc.hook, []byte(tc.input))
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			var he *HookError
			if !errors.As(err, &he) || he.Hook != tc.hook || he.Plugin != tc.plugin {
				t.Fatalf("not a HookError naming %s/%s: %#v", tc.plugin, tc.hook, err)
			}
			if err.Error() != tc.msg {
				t.Fatalf("message\n got %s\nwant %s", err, tc.msg)
			}
			// The faulted instance is gone; the next call gets a fresh one (or fails the same way).
			if tc.plugin != "badptr" && tc.plugin != "malloc0" && tc.hook != "post_hook" {
				if _, err := p.Call(ctx, "post_hook", []byte("ok")); err != nil && tc.plugin != "trap" {
					t.Fatalf("after the fault: %v", err)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		plugin string
		wasm   []byte
		opts   Options
		is     error
		msg    string
	}{
		{"spin in _start", "spin_start", nil, Options{HookTimeout: 200 * time.Millisecond}, ErrTimeout,
			`Plugin "spin_start.wasm" _start ran past its 200 ms budget (the host stopped it)`},
		{"spin in get_name", "spin_name", nil, Options{HookTimeout: 200 * time.Millisecond}, ErrTimeout,
			`Plugin "spin_name.wasm" get_name ran past its 200 ms budget (the host stopped it)`},
		{"init fails", "initfail", nil, Options{}, nil, `Cannot load plugin "initfail.wasm": init returned 2: mock_models must be a list`},
		{"malloc traps for init's config", "alloc_trap", nil, Options{Config: []byte(`"x"`)}, ErrTrap,
			`Plugin "alloc_trap" trapped in init (in malloc, for its input): unreachable executed (an AssemblyScript abort or a Rust panic) in function "malloc"`},
		{"free traps for init's config", "alloc_trap", nil, Options{Config: []byte("!!")}, ErrTrap,
			`Plugin "alloc_trap" trapped in free, the host's free of init's config buffer: unreachable executed (an AssemblyScript abort or a Rust panic) in function "free"`},
		{"start function traps", "start_trap", nil, Options{}, ErrTrap,
			`Plugin "start_trap.wasm" trapped in start: unreachable executed (an AssemblyScript abort or a Rust panic) in function "boom" (its memory is limited to 4 pages)`},
		{"not wasm", "", []byte("nope"), Options{Label: "x.wasm"}, nil, `Cannot load plugin "x.wasm": invalid magic number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wasm := tc.wasm
			if wasm == nil {
				wasm = plugin(t, tc.plugin)
				tc.opts.Label = tc.plugin + ".wasm"
			}
			started := time.Now()
			p, err := Load(ctx, wasm, tc.opts)
			if err == nil {
				_ = p.Close(ctx)
				t.Fatal("loaded")
			}
			if time.Since(started) > 5*time.Second {
				t.Fatalf("took %s", time.Since(started))
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			if err.Error() != tc.msg {
				t.Fatalf("message\n got %s\nwant %s", err, tc.msg)
			}
		})
	}
}

func TestProcExitZeroInStartIsNormal(t *testing.T) {
	p := load(t, "exit", Options{})
	r, err := p.Call(context.Background(), "post_hook", []byte("after _start"))
	if err != nil || string(r.Output) != "after _start" {
		t.Fatalf("%q %v", r.Output, err)
	}
}

func TestLogs(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	p := load(t, "stdout", Options{Log: func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }})
	if _, err := p.Call(context.Background(), "pre_hook", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	want := []string{"init log", "hello from pre_hook", "partial"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("lines %q, want %q", lines, want)
	}
}

func TestClose(t *testing.T) {
	p := load(t, "echo", Options{})
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Call(context.Background(), "pre_hook", nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestReturnZeroIsNilOutput(t *testing.T) {
	p := load(t, "free2", Options{})
	r, err := p.Call(context.Background(), "http_pre_hook", []byte("{}"))
	if err != nil || r.Output != nil {
		t.Fatalf("%q %v", r.Output, err)
	}
}
