// Package engine is a minimal wazero host for the Bifrost loader with the API
// of the project's engine package (go/engine): Load, Name, Has, Call,
// Cleanup, Close. It stands in for it until that package is merged; the
// loader imports nothing else of it, so switching is one import path.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Errors a call can fail with, wrapped in a *HookError.
var (
	ErrTimeout = errors.New("the hook ran out of time")
	ErrTrap    = errors.New("the plugin trapped")
	ErrClosed  = errors.New("the plugin is closed")
	ErrABI     = errors.New("the plugin broke the ABI")
)

// HookError names the hook a failure happened in.
type HookError struct {
	Plugin string
	Hook   string
	Err    error
	Detail string
}

func (e *HookError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("plugin %q %s: %v: %s", e.Plugin, e.Hook, e.Err, e.Detail)
	}
	return fmt.Sprintf("plugin %q %s: %v", e.Plugin, e.Hook, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

// Options configure a loaded plugin.
type Options struct {
	Label            string
	Config           []byte
	FreePolicy       string // both (default), input, none
	PoolSize         int    // instances at most; default 4
	HookTimeout      time.Duration
	MemoryLimitPages uint32
	CacheDir         string
	Log              func(string)
}

// Stats describe one call.
type Stats struct {
	Duration time.Duration
}

// Result is a hook's output.
type Result struct {
	Output []byte
	Stats  Stats
}

// Plugin is a loaded module with a pool of initialised instances.
type Plugin struct {
	opts     Options
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	exports  map[string]bool
	name     string
	pool     chan *instance
	slots    chan struct{}
	mu       sync.Mutex
	closed   bool
}

type instance struct {
	mod       api.Module
	malloc    api.Function
	free      api.Function
	freeArity int
	fns       map[string]api.Function
}

// Load compiles wasm, creates the first instance (start function, init with
// Config) and reads the plugin's name.
func Load(ctx context.Context, wasm []byte, opts Options) (*Plugin, error) {
	if opts.PoolSize <= 0 {
		opts.PoolSize = 4
	}
	if opts.FreePolicy == "" {
		opts.FreePolicy = "both"
	}
	rc := wazero.NewRuntimeConfig().WithCloseOnContextDone(opts.HookTimeout > 0)
	if opts.MemoryLimitPages > 0 {
		rc = rc.WithMemoryLimitPages(opts.MemoryLimitPages)
	}
	if opts.CacheDir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir); err == nil {
			rc = rc.WithCompilationCache(cache)
		}
	}
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		r.Close(ctx)
		return nil, err
	}
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("%s is not a loadable WebAssembly module: %w", opts.Label, err)
	}
	exports := map[string]bool{}
	for name := range compiled.ExportedFunctions() {
		exports[name] = true
	}
	p := &Plugin{
		opts: opts, runtime: r, compiled: compiled, exports: exports,
		pool: make(chan *instance, opts.PoolSize), slots: make(chan struct{}, opts.PoolSize),
	}
	for _, need := range []string{"malloc", "get_name"} {
		if !exports[need] {
			r.Close(ctx)
			return nil, fmt.Errorf("%s does not export %s", opts.Label, need)
		}
	}
	p.slots <- struct{}{}
	inst, err := p.instantiate(ctx)
	if err != nil {
		r.Close(ctx)
		return nil, err
	}
	name, err := inst.call0(ctx, "get_name")
	if err != nil {
		r.Close(ctx)
		return nil, fmt.Errorf("%s get_name: %w", opts.Label, err)
	}
	p.name = string(name)
	p.pool <- inst
	return p, nil
}

func (p *Plugin) instantiate(ctx context.Context) (*instance, error) {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithStdout(logWriter{p.opts.Log}).WithStderr(logWriter{p.opts.Log}).
		WithSysWalltime().WithSysNanotime()
	mod, err := p.runtime.InstantiateModule(ctx, p.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot instantiate: %w", p.opts.Label, err)
	}
	inst := &instance{mod: mod, malloc: mod.ExportedFunction("malloc"), fns: map[string]api.Function{}}
	if f := mod.ExportedFunction("free"); f != nil {
		inst.free, inst.freeArity = f, len(f.Definition().ParamTypes())
	}
	for _, start := range []string{"_initialize", "_start"} {
		if f := mod.ExportedFunction(start); f != nil {
			if _, err := f.Call(ctx); err != nil && !isExit0(err) {
				mod.Close(ctx)
				return nil, fmt.Errorf("%s %s: %w", p.opts.Label, start, err)
			}
			break
		}
	}
	if f := mod.ExportedFunction("init"); f != nil {
		ptr, n, err := inst.write(ctx, p.opts.Config)
		if err != nil {
			mod.Close(ctx)
			return nil, err
		}
		res, err := f.Call(ctx, uint64(ptr), uint64(n))
		if err != nil {
			mod.Close(ctx)
			return nil, fmt.Errorf("%s init: %w", p.opts.Label, err)
		}
		if int32(res[0]) != 0 {
			reason := ""
			if out, err := inst.call0(ctx, "last_error"); err == nil {
				reason = ": " + string(out)
			}
			mod.Close(ctx)
			return nil, fmt.Errorf("%s init returned %d%s", p.opts.Label, int32(res[0]), reason)
		}
	}
	return inst, nil
}

func isExit0(err error) bool {
	var exit interface{ ExitCode() uint32 }
	return errors.As(err, &exit) && exit.ExitCode() == 0
}

type logWriter struct{ log func(string) }

func (w logWriter) Write(b []byte) (int, error) {
	if w.log != nil {
		w.log(string(b))
	}
	return len(b), nil
}

// write mallocs len(data) bytes in the instance and copies data there.
func (i *instance) write(ctx context.Context, data []byte) (uint32, uint32, error) {
	res, err := i.malloc.Call(ctx, uint64(len(data)))
	if err != nil {
		return 0, 0, err
	}
	ptr := uint32(res[0])
	if ptr == 0 && len(data) > 0 {
		return 0, 0, fmt.Errorf("%w: malloc(%d) returned 0", ErrABI, len(data))
	}
	if !i.mod.Memory().Write(ptr, data) {
		return 0, 0, fmt.Errorf("%w: malloc returned %d, outside memory", ErrABI, ptr)
	}
	return ptr, uint32(len(data)), nil
}

// read copies the output a packed result points at.
func (i *instance) read(packed uint64) ([]byte, uint32, error) {
	ptr, n := uint32(packed>>32), uint32(packed)
	view, ok := i.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, 0, fmt.Errorf("%w: output at %d (%d bytes) is outside memory", ErrABI, ptr, n)
	}
	return append([]byte(nil), view...), ptr, nil
}

func (i *instance) call0(ctx context.Context, name string) ([]byte, error) {
	f := i.mod.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("not exported: %s", name)
	}
	res, err := f.Call(ctx)
	if err != nil {
		return nil, err
	}
	out, _, err := i.read(res[0])
	return out, err
}

func (i *instance) freeBuf(ctx context.Context, ptr, n uint32) {
	if i.free == nil || ptr == 0 {
		return
	}
	if i.freeArity == 2 {
		_, _ = i.free.Call(ctx, uint64(ptr), uint64(n))
	} else {
		_, _ = i.free.Call(ctx, uint64(ptr))
	}
}

// Name is the plugin's get_name.
func (p *Plugin) Name() string { return p.name }

// Has says whether the module exports a function.
func (p *Plugin) Has(export string) bool { return p.exports[export] }

func (p *Plugin) acquire(ctx context.Context) (*instance, error) {
	select {
	case inst := <-p.pool:
		return inst, nil
	default:
	}
	select {
	case inst := <-p.pool:
		return inst, nil
	case p.slots <- struct{}{}:
		inst, err := p.instantiate(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return inst, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Call runs a hook on a pooled instance. An instance that fails is closed
// and replaced by the next call that needs one.
func (p *Plugin) Call(ctx context.Context, hook string, input []byte) (Result, error) {
	start := time.Now()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return Result{}, &HookError{Plugin: p.name, Hook: hook, Err: ErrClosed}
	}
	if p.opts.HookTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.HookTimeout)
		defer cancel()
	}
	inst, err := p.acquire(ctx)
	if err != nil {
		return Result{}, &HookError{Plugin: p.name, Hook: hook, Err: ErrTrap, Detail: err.Error()}
	}
	out, err := p.callOn(ctx, inst, hook, input)
	if err != nil {
		inst.mod.Close(context.Background())
		<-p.slots
		kind := ErrTrap
		if errors.Is(err, ErrABI) {
			kind = ErrABI
		} else if ctx.Err() != nil {
			kind = ErrTimeout
		}
		return Result{}, &HookError{Plugin: p.name, Hook: hook, Err: kind, Detail: err.Error()}
	}
	p.pool <- inst
	return Result{Output: out, Stats: Stats{Duration: time.Since(start)}}, nil
}

func (p *Plugin) callOn(ctx context.Context, inst *instance, hook string, input []byte) ([]byte, error) {
	f := inst.fns[hook]
	if f == nil {
		if f = inst.mod.ExportedFunction(hook); f == nil {
			return nil, fmt.Errorf("%w: %s is not exported", ErrABI, hook)
		}
		inst.fns[hook] = f
	}
	ptr, n, err := inst.write(ctx, input)
	if err != nil {
		return nil, err
	}
	res, err := f.Call(ctx, uint64(ptr), uint64(n))
	if err != nil {
		return nil, err
	}
	out, outPtr, err := inst.read(res[0])
	if err != nil {
		return nil, err
	}
	switch p.opts.FreePolicy {
	case "both":
		inst.freeBuf(ctx, ptr, n)
		inst.freeBuf(ctx, outPtr, uint32(len(out)))
	case "input":
		inst.freeBuf(ctx, ptr, n)
	}
	return out, nil
}

// Cleanup calls the plugin's cleanup on every idle instance and returns the
// last non-zero code (0 when all succeeded or none exports it).
func (p *Plugin) Cleanup(ctx context.Context) (int32, error) {
	if !p.exports["cleanup"] {
		return 0, nil
	}
	var code int32
	for {
		select {
		case inst := <-p.pool:
			res, err := inst.mod.ExportedFunction("cleanup").Call(ctx)
			inst.mod.Close(ctx)
			<-p.slots
			if err != nil {
				return -1, err
			}
			if c := int32(res[0]); c != 0 {
				code = c
			}
		default:
			return code, nil
		}
	}
}

// Close releases the runtime; calls after it fail with ErrClosed.
func (p *Plugin) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return p.runtime.Close(ctx)
}
