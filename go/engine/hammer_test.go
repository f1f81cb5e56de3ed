package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHammer calls a small pool from many goroutines with traps and
// timeouts injected: every call is answered, each with its own result, and
// no instance is reused after a fault (faulty.wasm poisons an instance
// before it faults, and a poisoned instance answers "POISONED"). A spinning
// hook holds its thread until its deadline, so on a busy machine an ordinary
// call (or the load of a replacement) may run out of time too: that is
// counted as starved, never as a wrong answer.
func TestHammer(t *testing.T) {
	for _, pool := range []int{2, 4} {
		t.Run(fmt.Sprintf("pool%d", pool), func(t *testing.T) {
			p := load(t, "faulty", Options{PoolSize: pool, HookTimeout: 100 * time.Millisecond})
			const goroutines, calls = 24, 60
			var traps, timeouts, ok, starved atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < calls; i++ {
						input := fmt.Sprintf("g%d-c%d", g, i)
						hook := "pre_hook"
						switch {
						case (g+i)%11 == 0:
							hook, input = "post_hook", "t"+input
						case g%8 == 0 && i%20 == 7:
							hook, input = "post_hook", "s"+input
						}
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						r, err := p.Call(ctx, hook, []byte(input))
						cancel()
						switch input[0] {
						case 't':
							if errors.Is(err, ErrTimeout) {
								starved.Add(1)
								continue
							}
							if !errors.Is(err, ErrTrap) {
								errs <- fmt.Errorf("%s: want a trap, got %v", input, err)
								return
							}
							traps.Add(1)
						case 's':
							if !errors.Is(err, ErrTimeout) {
								errs <- fmt.Errorf("%s: want a timeout, got %v", input, err)
								return
							}
							timeouts.Add(1)
						default:
							if errors.Is(err, ErrTimeout) {
								starved.Add(1)
								continue
							}
							if err != nil || string(r.Output) != input {
								errs <- fmt.Errorf("%s: got %q, %v (an instance reused after a fault answers POISONED)", input, r.Output, err)
								return
							}
							ok.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if total := traps.Load() + timeouts.Load() + ok.Load() + starved.Load(); total != goroutines*calls {
				t.Fatalf("%d calls answered, want %d", total, goroutines*calls)
			}
			if traps.Load() == 0 || timeouts.Load() == 0 {
				t.Fatalf("no faults injected: %d traps, %d timeouts", traps.Load(), timeouts.Load())
			}
			if ok.Load() < goroutines*calls/2 {
				t.Fatalf("only %d calls succeeded", ok.Load())
			}
			t.Logf("%d ok, %d traps, %d timeouts, %d starved", ok.Load(), traps.Load(), timeouts.Load(), starved.Load())
		})
	}
}

// TestPoolBound: with a pool of 1 and the one instance busy, a call waits and honours its context.
func TestPoolBound(t *testing.T) {
	p := load(t, "spin", Options{PoolSize: 1, HookTimeout: 300 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := p.Call(context.Background(), "pre_hook", nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the spinning call take the instance (a timing aid, not a synchronisation)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := p.Call(ctx, "post_hook", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Logf("second call: %v (the spinning call may not have started yet)", err)
	}
	if err := <-done; !errors.Is(err, ErrTimeout) {
		t.Fatalf("spinning call: %v", err)
	}
	if r, err := p.Call(context.Background(), "post_hook", []byte("x")); err != nil || string(r.Output) != "x" {
		t.Fatalf("after the timeout: %q %v", r.Output, err)
	}
}

// TestCloseWhileCalling: Close during calls from many goroutines; every call succeeds or fails with ErrClosed.
func TestCloseWhileCalling(t *testing.T) {
	p := load(t, "echo", Options{PoolSize: 3})
	var wg sync.WaitGroup
	var closed atomic.Int64
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				in := fmt.Sprintf("%d-%d", g, i)
				r, err := p.Call(context.Background(), "pre_hook", []byte(in))
				if errors.Is(err, ErrClosed) {
					closed.Add(1)
					return
				}
				if err != nil || string(r.Output) != in {
					errs <- fmt.Errorf("%s: %q %v", in, r.Output, err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the calls run (not a synchronisation: any moment will do)
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if closed.Load() != 8 {
		t.Fatalf("%d goroutines saw ErrClosed, want 8", closed.Load())
	}
	if _, err := p.Cleanup(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("cleanup after close: %v", err)
	}
}
