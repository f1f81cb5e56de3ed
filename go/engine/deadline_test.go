package engine

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSpinsStop: a plugin that never returns, wherever it spins (a hook, malloc, free, init, _initialize,
// _start, get_name, the start section), fails with ErrTimeout and the TypeScript host's message at its
// deadline, and the next call gets a fresh instance; with the stop flag (the default) and with wazero's
// WithCloseOnContextDone (the fallback for modules the rewriter cannot read).
func TestSpinsStop(t *testing.T) {
	ctx := context.Background()
	const timeout = 150 * time.Millisecond
	for _, rewrite := range []bool{true, false} {
		name := "stop-flag"
		if !rewrite {
			name = "close-on-context-done"
		}
		t.Run(name, func(t *testing.T) {
			rewriteForDeadlines = rewrite
			defer func() { rewriteForDeadlines = true }()
			for _, tc := range []struct{ name, plugin, hook, input, msg string }{
				{"hook", "spin", "pre_hook", "{}", `Plugin "spin" pre_hook ran past its 150 ms budget (the host stopped it)`},
				{"malloc", "spin_alloc", "pre_hook", "1234567", `Plugin "spin_alloc" pre_hook ran past its 150 ms budget (the host stopped it)`},
				{"free", "spin_alloc", "pre_hook", "F", `Plugin "spin_alloc" pre_hook ran past its 150 ms budget (the host stopped it)`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					p := load(t, tc.plugin, Options{HookTimeout: timeout, PoolSize: 1})
					if p.stopFlag != rewrite {
						t.Fatalf("stop flag %v, want %v", p.stopFlag, rewrite)
					}
					started := time.Now()
					_, err := p.Call(ctx, tc.hook, []byte(tc.input))
					if took := time.Since(started); took < timeout || took > 20*timeout {
						t.Errorf("took %s", took)
					}
					if !errors.Is(err, ErrTimeout) || err.Error() != tc.msg {
						t.Fatalf("got %v, want %s", err, tc.msg)
					}
					hook := "post_hook"
					if !p.Has(hook) {
						hook = "pre_hook"
					}
					if r, err := p.Call(ctx, hook, []byte("ok")); err != nil || string(r.Output) != "ok" {
						t.Fatalf("after the timeout: %q %v", r.Output, err)
					}
				})
			}
			for _, tc := range []struct {
				name, plugin string
				config       []byte
				msg          string
			}{
				{"init", "spin_alloc", []byte(`"ab"`), `Plugin "spin_alloc" init ran past its 150 ms budget (the host stopped it)`},
				{"_initialize", "spin_initialize", nil, `Plugin "spin_initialize.wasm" _initialize ran past its 150 ms budget (the host stopped it)`},
				{"_start", "spin_start", nil, `Plugin "spin_start.wasm" _start ran past its 150 ms budget (the host stopped it)`},
				{"get_name", "spin_name", nil, `Plugin "spin_name.wasm" get_name ran past its 150 ms budget (the host stopped it)`},
				{"start section", "spin_section", nil, `Plugin "spin_section.wasm" start ran past its 150 ms budget (the host stopped it)`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					started := time.Now()
					p, err := Load(ctx, plugin(t, tc.plugin), Options{Label: tc.plugin + ".wasm", Config: tc.config, HookTimeout: timeout})
					if err == nil {
						_ = p.Close(ctx)
						t.Fatal("loaded")
					}
					if took := time.Since(started); took < timeout || took > 20*timeout {
						t.Errorf("took %s", took)
					}
					want := tc.msg
					if !rewrite && tc.name == "init" {
						// wazero's deadline has passed when the fresh instance is asked for the name: the label stays.
						want = `Plugin "spin_alloc.wasm" init ran past its 150 ms budget (the host stopped it)`
					}
					if !errors.Is(err, ErrTimeout) || err.Error() != want {
						t.Fatalf("got %v, want %s", err, want)
					}
				})
			}
		})
	}
}

// TestSpinnersOnEveryThread: more spinning calls than GOMAXPROCS at once all stop at their deadline (compiled
// wasm never yields its thread by itself: the rewritten loops call into Go now and then so that the
// scheduler can run the timers).
func TestSpinnersOnEveryThread(t *testing.T) {
	p := load(t, "spin", Options{HookTimeout: 100 * time.Millisecond, PoolSize: 6})
	errs := make(chan error, 6)
	for i := 0; i < 6; i++ {
		go func() {
			_, err := p.Call(context.Background(), "pre_hook", nil)
			errs <- err
		}()
	}
	deadline := time.After(30 * time.Second)
	for i := 0; i < 6; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("call %d: %v", i, err)
			}
		case <-deadline:
			t.Fatal("spinning calls were not stopped")
		}
	}
}

// TestCancelStopsCall: cancelling the caller's context stops a spinning hook too.
func TestCancelStopsCall(t *testing.T) {
	p := load(t, "spin", Options{HookTimeout: 10 * time.Second, PoolSize: 1})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	started := time.Now()
	_, err := p.Call(ctx, "pre_hook", nil)
	if !errors.Is(err, context.Canceled) || time.Since(started) > 5*time.Second {
		t.Fatalf("%v after %s", err, time.Since(started))
	}
}

func TestInstrumentKeepsEveryFixturePlugin(t *testing.T) {
	for _, name := range []string{"echo", "trap", "oom", "faulty", "stdout", "exit", "start_trap", "spin_alloc"} {
		if _, err := instrument(plugin(t, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
