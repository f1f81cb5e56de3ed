// Package engine hosts one Bifrost WASM plugin on wazero the way a
// production gateway would: compile once, check the exports once, keep a
// bounded pool of initialised instances, and call hooks through the ABI
// (malloc, write, call, unpack ptr<<32|len, copy the output out, free per
// policy) with a deadline, a memory limit and WASI preview 1, turning every
// failure into a typed error. An instance that failed is closed and
// replaced, never reused.
//
// Its behaviour follows the TypeScript conformance host (lib/host/ in this
// repository) so that a plugin gets the same bytes and the same error texts
// under either engine; docs/abi.md lists where the engines differ.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/bifrost-as/bifrost-as/go/abi"
)

// FreePolicy says which buffers the host frees after a hook call.
type FreePolicy = abi.FreePolicy

// The free policies.
const (
	FreeBoth   = abi.FreeBoth
	FreeInput  = abi.FreeInput
	FreeNone   = abi.FreeNone
	FreeDouble = abi.FreeDouble
)

// DefaultMemoryLimitPages is the memory limit when Options leaves it 0:
// wasm32's whole 4 GiB.
const DefaultMemoryLimitPages = 65536

// Options configure Load. The zero value is usable.
type Options struct {
	// Label names the plugin in errors before it has a name (a file name).
	Label string
	// Config is the JSON text given to init (when the plugin exports init); nil means "{}", as the TypeScript host.
	Config []byte
	// FreePolicy says what is freed after a call; "" means FreeBoth.
	FreePolicy FreePolicy
	// PoolSize is the most instances alive at once; 0 means GOMAXPROCS.
	PoolSize int
	// HookTimeout bounds every call into the plugin: each hook call (malloc to the last free), cleanup, and
	// loading an instance (_initialize/_start, init, get_name). 0 means no deadline: a call that never returns
	// then blocks its goroutine for ever, and context cancellation is honoured only while waiting for an instance.
	HookTimeout time.Duration
	// MemoryLimitPages caps each instance's memory (64 KiB pages); 0 means DefaultMemoryLimitPages. A module
	// declaring a lower maximum keeps it. Failures at the limit are ErrMemoryLimit only when a limit was set here
	// or declared by the module (otherwise ErrTrap or ErrMallocZero), as in the TypeScript host.
	MemoryLimitPages uint32
	// CacheDir keeps wazero's compiled code between processes; "" compiles in memory only.
	CacheDir string
	// Log receives the plugin's stdout and stderr, line by line (nil discards them). It may be called from
	// several goroutines at once when the pool holds more than one instance.
	Log func(line string)
	// TimeHook times the hook export alone too (Stats.HookUs), at the cost of two clock reads per call.
	TimeHook bool
	// FunctionNames names functions by index, for traps in functions the module's name section does not
	// name (export names are used otherwise).
	FunctionNames map[uint32]string
	// ReserveMemory backs each instance's memory with its whole limit reserved as address space (Linux and
	// macOS; elsewhere it is ignored): growing copies nothing, and a page costs memory only once written.
	// wazero's own memory is a Go slice that growing copies, touching every page added. Only for a host that
	// never closes the plugin while a call runs: closing releases the mapping at once (the engine program,
	// which serves one request at a time).
	ReserveMemory bool
}

// Stats are the measurements of one call, timed inside the engine. They
// mirror the TypeScript host's RawCall stats.
type Stats struct {
	// DurationUs is the whole call in µs: malloc, writing the input, the hook, the frees, reading the output.
	DurationUs float64
	// HookUs is the hook export alone, in µs, when HookTimed (Options.TimeHook).
	HookUs    float64
	HookTimed bool
	// InputBytes and OutputBytes are the sizes of the input and the output.
	InputBytes  int
	OutputBytes int
	// PagesBefore and PagesAfter are the instance's memory size in 64 KiB pages before and after the call.
	PagesBefore uint32
	PagesAfter  uint32
}

// Result is what a hook call returned.
type Result struct {
	// Output is a copy of the output's bytes, exactly as the plugin wrote them; nil when the hook returned 0.
	Output []byte
	Stats  Stats
}

// Plugin is one loaded plugin: a wazero runtime, its compiled module and a
// pool of instances. All its methods are safe for concurrent use; each
// instance runs one call at a time.
type Plugin struct {
	opts        Options
	label       string
	runtime     wazero.Runtime
	compiled    wazero.CompiledModule
	exports     map[string]bool
	names       map[uint32]string
	limitPages  uint32
	reportLimit bool // a limit was set (by the options or the module): word memory traps against it
	freeInput   int
	freeOutput  int
	stopFlag    bool // the module was rewritten with a stop flag (stopflag.go): deadlines use it
	hasStart    bool // its start section is exported as startExport
	pool        *pool
	closed      atomic.Bool

	pages atomic.Uint32 // memory pages of the last instance loaded or called

	mu       sync.Mutex
	name     string
	maxInput uint64
	declared bool // maxInput is the plugin's max_input_size
}

// Load compiles wasm, checks its imports and exports, and creates the pool
// with one initialised instance (its _initialize or _start, then init with
// Options.Config, then get_name), so that a plugin that cannot start fails
// here. Errors are *LoadError or *HookError.
func Load(ctx context.Context, wasm []byte, opts Options) (*Plugin, error) {
	if opts.Config == nil {
		opts.Config = []byte("{}")
	}
	if opts.PoolSize <= 0 {
		opts.PoolSize = runtime.GOMAXPROCS(0)
	}
	if opts.MemoryLimitPages == 0 || opts.MemoryLimitPages > DefaultMemoryLimitPages {
		opts.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if opts.FreePolicy == "" {
		opts.FreePolicy = FreeBoth
	}
	label := opts.Label
	if label == "" {
		label = "plugin.wasm"
	}
	fail := func(reason string, err error) error { return &LoadError{Label: label, Reason: reason, Err: err} }
	if _, err := abi.ParseFreePolicy(string(opts.FreePolicy)); err != nil {
		return nil, fail(err.Error(), err)
	}

	cfg := wazero.NewRuntimeConfig().WithMemoryLimitPages(opts.MemoryLimitPages)
	if opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fail(fmt.Sprintf("compilation cache %q: %v", opts.CacheDir, err), err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	p := &Plugin{opts: opts, label: label, name: label, maxInput: ^uint64(0)}
	ok := false
	defer func() {
		if !ok && p.runtime != nil {
			_ = p.runtime.Close(context.Background())
		}
	}()
	compiled, err := p.compile(ctx, cfg, wasm)
	if err != nil {
		return nil, fail(err.Error(), err)
	}
	r := p.runtime
	p.compiled = compiled
	if err := p.checkModule(); err != nil {
		return nil, fail(err.Error(), err)
	}
	if err := instantiateWASI(ctx, r); err != nil {
		return nil, fail(err.Error(), err)
	}
	p.freeInput, p.freeOutput = opts.FreePolicy.Frees()
	first, err := p.newInstance(ctx)
	if err != nil {
		return nil, err
	}
	p.pool = newPool(opts.PoolSize, first)
	ok = true
	return p, nil
}

// compile compiles wasm in a new runtime. With a deadline it compiles the
// module rewritten with a stop flag (stopflag.go), or, when the rewriter
// cannot read it, the module as given with wazero's WithCloseOnContextDone.
// A module that does not compile fails with wazero's error for the module
// as given.
func (p *Plugin) compile(ctx context.Context, cfg wazero.RuntimeConfig, wasm []byte) (wazero.CompiledModule, error) {
	if p.opts.HookTimeout > 0 {
		if rewritten, err := instrument(wasm); err == nil && rewriteForDeadlines {
			p.runtime = wazero.NewRuntimeWithConfig(ctx, cfg)
			compiled, err := p.runtime.CompileModule(ctx, rewritten.wasm)
			if err == nil {
				p.stopFlag, p.hasStart = true, rewritten.hasStart
				return compiled, nil
			}
			_ = p.runtime.Close(ctx)
		}
		// Each wasm call then starts a watcher goroutine, and each loop iteration calls out to Go.
		cfg = cfg.WithCloseOnContextDone(true)
	}
	p.runtime = wazero.NewRuntimeWithConfig(ctx, cfg)
	return p.runtime.CompileModule(ctx, wasm)
}

// checkModule checks imports and the ABI exports once, and reads the memory limit.
func (p *Plugin) checkModule() error {
	for _, f := range p.compiled.ImportedFunctions() {
		module, name, _ := f.Import()
		if problem := abi.ImportProblem(module, name); problem != "" {
			return errors.New(problem)
		}
	}
	if len(p.compiled.ImportedMemories()) > 0 {
		return errors.New("its memory is imported; Bifrost provides none")
	}
	funcs := p.compiled.ExportedFunctions()
	mems := p.compiled.ExportedMemories()
	p.exports = make(map[string]bool, len(funcs)+len(mems))
	p.names = make(map[uint32]string, len(funcs))
	for name, def := range funcs {
		if name == startExport {
			continue
		}
		p.exports[name] = true
		if _, ok := p.names[def.Index()]; !ok {
			p.names[def.Index()] = name
		}
	}
	for name := range mems {
		p.exports[name] = true
	}
	for i, n := range p.opts.FunctionNames {
		p.names[i] = n
	}
	for _, e := range abi.Essential {
		if !p.exports[e] {
			return fmt.Errorf("it does not export %q", e)
		}
	}
	if mems[abi.Memory] == nil {
		return fmt.Errorf("its export %q is not a memory", abi.Memory)
	}
	for name, def := range funcs {
		got := signatureOf(def)
		if name == startExport {
			continue
		}
		if name == abi.Free {
			if !got.Equal(abi.FreeSignatures[0]) && !got.Equal(abi.FreeSignatures[1]) {
				return fmt.Errorf("export %q has signature %s, expected %s or %s", name, got, abi.FreeSignatures[0], abi.FreeSignatures[1])
			}
			continue
		}
		want, ok := abi.Signatures[name]
		if !ok {
			for _, s := range abi.StartFunctions {
				if name == s {
					want, ok = abi.StartSignature, true
				}
			}
		}
		if ok && !got.Equal(want) {
			return fmt.Errorf("export %q has signature %s, expected %s", name, got, want)
		}
	}
	p.limitPages = p.opts.MemoryLimitPages
	p.reportLimit = p.opts.MemoryLimitPages != DefaultMemoryLimitPages
	if max, ok := mems[abi.Memory].Max(); ok && max < p.limitPages {
		p.limitPages, p.reportLimit = max, true
	}
	return nil
}

func signatureOf(def api.FunctionDefinition) abi.Signature {
	conv := func(ts []api.ValueType) []abi.ValType {
		out := make([]abi.ValType, len(ts))
		for i, t := range ts {
			out[i] = abi.ValType(api.ValueTypeName(t))
		}
		return out
	}
	return abi.Signature{Params: conv(def.ParamTypes()), Results: conv(def.ResultTypes())}
}

// Name returns the plugin's name from get_name (Options.Label until known).
func (p *Plugin) Name() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.name
}

func (p *Plugin) setName(name string) {
	p.mu.Lock()
	p.name = name
	p.mu.Unlock()
}

func (p *Plugin) setMaxInput(n uint32) {
	p.mu.Lock()
	p.maxInput, p.declared = uint64(n), true
	p.mu.Unlock()
}

// Has reports whether the module exports name (a function or the memory).
func (p *Plugin) Has(export string) bool { return p.exports[export] }

// LimitPages returns the memory limit in force: Options.MemoryLimitPages, or
// the module's declared maximum when lower.
func (p *Plugin) LimitPages() uint32 { return p.limitPages }

// functionName names "$N" from a stack trace by the module's exports or Options.FunctionNames.
func (p *Plugin) functionName(dollar string) string {
	var i uint32
	if _, err := fmt.Sscanf(dollar, "$%d", &i); err == nil {
		if n, ok := p.names[i]; ok {
			return n
		}
	}
	return "wasm-function[" + dollar[1:] + "]"
}

// deadline bounds ctx by HookTimeout for wazero's WithCloseOnContextDone
// (the stop flag's timer bounds the call otherwise: see instance.arm).
func (p *Plugin) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.opts.HookTimeout > 0 && !p.stopFlag {
		return context.WithTimeout(ctx, p.opts.HookTimeout)
	}
	return ctx, func() {}
}

func (p *Plugin) timeoutOf(context.Context) time.Duration { return p.opts.HookTimeout }

// Call calls a hook export with input (its bytes are written as given) and
// returns a copy of the output. It takes an idle instance from the pool,
// creating one when the pool is below its size, or waits for one (honouring
// ctx). On any error the instance is closed and a fresh one is created by
// a later call. Safe for concurrent use.
func (p *Plugin) Call(ctx context.Context, hook string, input []byte) (Result, error) {
	return p.call(ctx, hook, len(input), func(dst []byte) error {
		copy(dst, input)
		return nil
	})
}

// CallFrom is Call with an input of n bytes read from r straight into the
// plugin's memory, once malloc has made room for it, with no buffer of its
// own (the engine program reads a large input from its pipe this way). A
// call that fails before then has not read r: the caller reads past the n
// bytes. An error reading r fails the call.
func (p *Plugin) CallFrom(ctx context.Context, hook string, n int, r io.Reader) (Result, error) {
	return p.call(ctx, hook, n, func(dst []byte) error {
		if _, err := io.ReadFull(r, dst); err != nil {
			return fmt.Errorf("reading the %s input: %w", hook, err)
		}
		return nil
	})
}

// call is Call with an input of n bytes that fill writes into the plugin's memory.
func (p *Plugin) call(ctx context.Context, hook string, n int, fill func(dst []byte) error) (Result, error) {
	fail := func(err error) (Result, error) {
		return Result{}, &HookError{Plugin: p.Name(), Hook: hook, Err: err}
	}
	if p.closed.Load() {
		return fail(closedError{})
	}
	if !p.exports[hook] || !abi.IsHook(hook) {
		return fail(NoExportError{})
	}
	if err := p.checkInputSize(n); err != nil {
		return fail(err)
	}
	in, err := p.pool.acquire(ctx, p)
	if err != nil {
		return fail(err)
	}
	hookCtx, cancel := p.deadline(ctx)
	in.arm(ctx)
	res, err := in.call(hookCtx, hook, in.hooks[hook], n, fill)
	if stop := in.disarm(); stop != nil {
		err = stop
	}
	cancel()
	if err != nil {
		p.pool.discard(in)
		return fail(err)
	}
	p.pages.Store(res.Stats.PagesAfter)
	p.pool.release(in)
	return res, nil
}

// Pages returns the memory size, in 64 KiB pages, of the instance that
// last finished a call or a load.
func (p *Plugin) Pages() uint32 { return p.pages.Load() }

// Warm makes sure an initialised instance is ready, creating one when
// none is idle and the pool has room: after a fault, it replaces the
// faulted instance at once instead of on the next call, so that a plugin
// that can no longer start fails here. Safe for concurrent use.
func (p *Plugin) Warm(ctx context.Context) error {
	if p.closed.Load() {
		return &HookError{Plugin: p.Name(), Hook: "start", Err: closedError{}}
	}
	in, err := p.pool.acquire(ctx, p)
	if err != nil {
		return &HookError{Plugin: p.Name(), Hook: "start", Err: err}
	}
	p.pool.release(in)
	return nil
}

func (p *Plugin) checkInputSize(n int) error {
	p.mu.Lock()
	limit, declared := p.maxInput, p.declared
	p.mu.Unlock()
	if byMemory := uint64(p.limitPages) * 65536; p.reportLimit && byMemory < limit {
		limit, declared = byMemory, false
	}
	if uint64(n) > limit {
		return &InputTooLargeError{InputBytes: n, LimitBytes: limit, Declared: declared, LimitPages: p.limitPages}
	}
	return nil
}

// Cleanup calls the plugin's cleanup export (0 when it has none) on every
// idle instance, at least one, and returns the first non-zero code (the
// first error stops it). Instances busy in calls are not waited for.
// Safe for concurrent use.
func (p *Plugin) Cleanup(ctx context.Context) (int32, error) {
	fail := func(err error) (int32, error) {
		return 0, &HookError{Plugin: p.Name(), Hook: abi.Cleanup, Err: err}
	}
	if p.closed.Load() {
		return fail(closedError{})
	}
	idle := p.pool.drain()
	if len(idle) == 0 {
		in, err := p.pool.acquire(ctx, p)
		if err != nil {
			return fail(err)
		}
		idle = append(idle, in)
	}
	var code int32
	var firstErr error
	for _, in := range idle {
		if firstErr != nil {
			p.pool.release(in)
			continue
		}
		hookCtx, cancel := p.deadline(ctx)
		in.arm(ctx)
		c, err := in.cleanup(hookCtx)
		if stop := in.disarm(); stop != nil {
			err = stop
		}
		cancel()
		if err != nil {
			firstErr = err
			p.pool.discard(in)
			continue
		}
		if code == 0 {
			code = c
		}
		p.pool.release(in)
	}
	if firstErr != nil {
		return fail(firstErr)
	}
	return code, nil
}

// Close closes every instance and the runtime. Calls in flight fail with
// ErrClosed (a spinning hook is stopped only when HookTimeout is set), and
// so does every later call. Safe for concurrent use; closing twice is a no-op.
func (p *Plugin) Close(ctx context.Context) error {
	if p.closed.Swap(true) {
		return nil
	}
	p.pool.close()
	return p.runtime.Close(ctx)
}
