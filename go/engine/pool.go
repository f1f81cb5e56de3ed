package engine

import "context"

// pool bounds the instances of a plugin: slots holds one token per live
// instance (busy or idle), idle the instances ready for a call. A channel
// pool rather than sync.Pool: instances hold wasm memory and must be closed,
// never dropped to the garbage collector.
type pool struct {
	idle  chan *instance
	slots chan struct{}
	done  chan struct{}
}

// newPool makes a pool of size instances holding first.
func newPool(size int, first *instance) *pool {
	pl := &pool{
		idle:  make(chan *instance, size),
		slots: make(chan struct{}, size),
		done:  make(chan struct{}),
	}
	pl.slots <- struct{}{}
	pl.idle <- first
	return pl
}

// acquire returns an idle instance, or a new one when a slot is free, or
// waits for either. A failed creation frees its slot and is returned as an
// UnusableError (or the context's error).
func (pl *pool) acquire(ctx context.Context, p *Plugin) (*instance, error) {
	select {
	case in := <-pl.idle:
		return in, nil
	default:
	}
	select {
	case in := <-pl.idle:
		return in, nil
	case pl.slots <- struct{}{}:
		in, err := p.newInstance(ctx)
		if err != nil {
			<-pl.slots
			if p.closed.Load() {
				return nil, closedError{}
			}
			return nil, &UnusableError{Cause: err}
		}
		return in, nil
	case <-pl.done:
		return nil, closedError{}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release puts a healthy instance back.
func (pl *pool) release(in *instance) {
	select {
	case <-pl.done:
		in.close()
		<-pl.slots
	default:
		pl.idle <- in
	}
}

// discard closes a faulted instance and frees its slot; a later acquire creates a fresh one.
func (pl *pool) discard(in *instance) {
	in.close()
	<-pl.slots
}

// drain takes every idle instance without waiting.
func (pl *pool) drain() []*instance {
	var out []*instance
	for {
		select {
		case in := <-pl.idle:
			out = append(out, in)
		default:
			return out
		}
	}
}

// close wakes waiters; the runtime's Close closes the modules.
func (pl *pool) close() {
	close(pl.done)
}
