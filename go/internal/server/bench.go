package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bifrost-as/bifrost-as/go/internal/floor"
)

// Limits of the benchmark requests, so that none runs without an end.
const (
	maxIterations = 1_000_000
	maxGoroutines = 256
	maxDuration   = time.Minute
)

// floor answers the native Go floor for one hook input: hello-world's parse,
// change and serialise with sonic and with encoding/json, mean ns per op.
func (s *Server) floor(req request) {
	input := []byte(deref(req.Input))
	req.Iterations = min(max(req.Iterations, 1), maxIterations)
	jsonNs, err := floor.Measure(floor.EncodingJSON, req.Hook, input, req.Iterations)
	if err != nil {
		s.post(errorReply{Type: "error", Error: serializedError{Name: "Error", Message: "floor: the input is not JSON: " + err.Error()}})
		return
	}
	reply := floorReply{Type: "floor", EncodingJSONNs: jsonNs}
	if floor.Sonic != nil { // null when built without sonic (-tags nosonic)
		if ns, err := floor.Measure(floor.Sonic, req.Hook, input, req.Iterations); err == nil {
			reply.SonicNs = &ns
		}
	}
	s.post(reply)
}

// throughput calls the hook from `goroutines` goroutines through the pool
// for durationMs (1 s when unset, a minute at most) and answers the calls
// completed.
func (s *Server) throughput(ctx context.Context, req request) {
	g := min(max(req.Goroutines, 1), maxGoroutines)
	d := time.Duration(req.DurationMs * float64(time.Millisecond))
	if d <= 0 || d > maxDuration {
		d = min(max(d, time.Second), maxDuration)
	}
	input := []byte(deref(req.Input))
	var calls atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	started := time.Now()
	for i := 0; i < g; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if _, err := s.plugin.Call(ctx, req.Hook, input); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				calls.Add(1)
			}
		}()
	}
	wg.Wait()
	secs := time.Since(started).Seconds()
	if firstErr != nil {
		s.fail(fmt.Errorf("throughput: %w", firstErr))
		return
	}
	n := calls.Load()
	s.post(throughputReply{Type: "throughput", Calls: n, Seconds: secs, CallsPerSec: float64(n) / secs})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
