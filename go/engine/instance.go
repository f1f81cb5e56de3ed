package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/bifrost-as/bifrost-as/go/abi"
)

// instanceSeq makes module names unique in a process (wazero refuses two
// live modules of one name in a runtime).
var instanceSeq atomic.Uint64

// instance is one initialised module. Not safe for concurrent use: the pool
// hands it to one goroutine at a time, and after any error it is closed,
// never called again.
type instance struct {
	p       *Plugin
	mod     api.Module
	name    string // the module name given to wazero
	mem     api.Memory
	malloc  api.Function
	free    api.Function
	freeLen bool // free takes (ptr, len)
	hooks   map[string]api.Function
	stdout  *lineWriter
	stderr  *lineWriter
	args    [2]uint64 // scratch for hook calls
	stop    *stopper  // the deadline in the stop-flag mode, else nil
}

// arm starts the deadline of a call in the stop-flag mode.
func (in *instance) arm(ctx context.Context) {
	if in.stop != nil {
		in.stop.arm(ctx)
	}
}

// disarm ends it, and says why the flag was raised when it was: the call
// then failed with that error, whatever it returned.
func (in *instance) disarm() error {
	if in.stop != nil {
		return in.stop.disarm()
	}
	return nil
}

// newInstance instantiates the compiled module and runs _initialize/_start
// and init(config), all under one deadline (HookTimeout). The caller owns
// the result.
func (p *Plugin) newInstance(ctx context.Context) (_ *instance, err error) {
	in := &instance{
		p:      p,
		name:   fmt.Sprintf("plugin-%d", instanceSeq.Add(1)),
		stdout: &lineWriter{log: p.opts.Log},
		stderr: &lineWriter{log: p.opts.Log},
	}
	cfg := wazero.NewModuleConfig().
		WithName(in.name).
		WithStartFunctions(). // called below, under the deadline, with proc_exit(0) allowed
		WithStdout(in.stdout).
		WithStderr(in.stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(rand.Reader)
	hookCtx, cancel := p.deadline(ctx)
	defer cancel()
	defer in.flush()
	who := p.label
	mod, err := p.runtime.InstantiateModule(p.withMemory(hookCtx), p.compiled, cfg)
	if err != nil {
		var ee *sys.ExitError
		if !strings.Contains(err.Error(), "wasm error: ") && !errors.As(err, &ee) {
			// Not the module's start function failing: an import wazero could not link, say.
			return nil, &LoadError{Label: who, Reason: err.Error(), Err: err}
		}
		return nil, &HookError{Plugin: who, Hook: "start", Err: p.fault(hookCtx, err, nil, PhaseCall, 0, true)}
	}
	in.mod = mod
	defer func() {
		if err != nil {
			in.close()
		}
	}()
	fail := func(hook string, e error) error { return &HookError{Plugin: who, Hook: hook, Err: e} }
	if p.stopFlag {
		in.stop = newStopper(mod.ExportedGlobal(stopExport).(api.MutableGlobal), p.opts.HookTimeout)
		in.stop.arm(ctx)
		armed := true
		defer func() {
			if armed {
				in.stop.disarm()
			}
		}()
		// Loading ends with the deadline: a flag raised at the very end still fails it.
		defer func() {
			if err == nil {
				armed = false
				if stop := in.stop.disarm(); stop != nil {
					err = fail(abi.GetName, stop) // the deferred close above closes the instance
				}
			}
		}()
		if p.hasStart {
			if _, e := mod.ExportedFunction(startExport).Call(ctx); e != nil {
				if stop := in.stop.stopped(); stop != nil {
					e = stop
				} else {
					e = p.fault(ctx, e, nil, PhaseCall, 0, true)
				}
				return nil, fail("start", e)
			}
		}
	}
	in.mem = mod.ExportedMemory(abi.Memory)
	in.malloc = mod.ExportedFunction(abi.Malloc)
	in.free = mod.ExportedFunction(abi.Free)
	in.freeLen = len(in.free.Definition().ParamTypes()) == 2
	in.hooks = make(map[string]api.Function, len(abi.Hooks))
	for _, h := range abi.Hooks {
		if f := mod.ExportedFunction(h); f != nil {
			in.hooks[h] = f
		}
	}

	for _, start := range abi.StartFunctions {
		f := mod.ExportedFunction(start)
		if f == nil {
			continue
		}
		if _, e := f.Call(hookCtx); e != nil {
			var pe *procExit
			if errors.As(e, &pe) && pe.code == 0 && !mod.IsClosed() {
				continue
			}
			return nil, fail(start, in.fault(hookCtx, e, PhaseCall, 0))
		}
	}
	if f := mod.ExportedFunction(abi.Init); f != nil {
		code, e := in.initCall(hookCtx, f)
		if e != nil {
			// Before get_name has run: a fresh instance names the plugin, as the TypeScript host asks one.
			if name := p.probeName(hookCtx); name != "" {
				who = name
			}
			return nil, fail(abi.Init, e)
		}
		if code != 0 {
			reason := " (the plugin exports no last_error with a reason)"
			if le := mod.ExportedFunction(abi.LastError); le != nil {
				text, e := in.readString(hookCtx, le)
				if e != nil {
					return nil, fail(abi.LastError, e)
				}
				reason = ""
				if text != "" {
					reason = ": " + text
				}
			}
			return nil, &LoadError{Label: who, Reason: fmt.Sprintf("init returned %d%s", code, reason)}
		}
	}
	name, e := in.readString(hookCtx, mod.ExportedFunction(abi.GetName))
	if e != nil {
		return nil, fail(abi.GetName, e)
	}
	if name == "" {
		return nil, &LoadError{Label: who, Reason: "get_name returned an empty name (Bifrost registers the plugin under it)"}
	}
	if f := mod.ExportedFunction(abi.MaxInput); f != nil {
		r, e := f.Call(hookCtx)
		if e != nil {
			return nil, fail(abi.MaxInput, in.fault(hookCtx, e, PhaseCall, 0))
		}
		p.setMaxInput(uint32(r[0]))
	}
	p.setName(name)
	p.pages.Store(in.pages())
	return in, nil
}

// initCall writes the config and calls init, freeing the config as the policy says. A trap in malloc is worded
// as init's (in malloc, for its input), one in free as the host's free of init's config buffer, as the
// TypeScript host words them.
func (in *instance) initCall(ctx context.Context, f api.Function) (int32, error) {
	config := in.p.opts.Config
	ptr, err := in.write(ctx, config)
	if err != nil {
		return 0, err
	}
	r, err := f.Call(ctx, uint64(ptr), uint64(len(config)))
	if err != nil {
		return 0, in.fault(ctx, err, PhaseCall, 0)
	}
	if err := in.release(ctx, ptr, uint32(len(config)), in.p.freeInput, "init's config buffer"); err != nil {
		return 0, err
	}
	return int32(uint32(r[0])), nil
}

// probeName is get_name on a fresh instance (no start function, no init), or "" when that fails too.
func (p *Plugin) probeName(ctx context.Context) string {
	cfg := wazero.NewModuleConfig().WithName(fmt.Sprintf("probe-%d", instanceSeq.Add(1))).WithStartFunctions()
	mod, err := p.runtime.InstantiateModule(p.withMemory(ctx), p.compiled, cfg)
	if err != nil {
		return ""
	}
	defer mod.Close(context.Background())
	probe := &instance{p: p, mod: mod, mem: mod.ExportedMemory(abi.Memory)}
	if p.stopFlag { // under its own deadline: get_name may spin too
		probe.stop = newStopper(mod.ExportedGlobal(stopExport).(api.MutableGlobal), p.opts.HookTimeout)
		probe.stop.arm(ctx)
		defer probe.stop.disarm()
	}
	name, err := probe.readString(ctx, mod.ExportedFunction(abi.GetName))
	if err != nil {
		return ""
	}
	return name
}

// readString calls f (get_name, last_error) and reads the packed string it returns (never freed).
func (in *instance) readString(ctx context.Context, f api.Function) (string, error) {
	r, err := f.Call(ctx)
	if err != nil {
		return "", in.fault(ctx, err, PhaseCall, 0)
	}
	if r[0] == 0 {
		return "", nil
	}
	b, err := in.read(abi.Unpack(r[0]))
	if err != nil {
		return "", err
	}
	if at := abi.FirstInvalidUTF8(b); at >= 0 {
		return "", &UTF8Error{At: at, Byte: b[at]}
	}
	return string(b), nil
}

// pages is the memory's size in 64 KiB pages.
func (in *instance) pages() uint32 {
	n, _ := in.mem.Grow(0)
	return n
}

// memBytes is the memory's size in bytes (a uint64: 65536 pages is 4 GiB).
func (in *instance) memBytes() uint64 { return uint64(in.pages()) * 65536 }

// write mallocs len(b) bytes and copies b there.
func (in *instance) write(ctx context.Context, b []byte) (uint32, error) {
	return in.alloc(ctx, uint32(len(b)), func(dst []byte) error {
		copy(dst, b)
		return nil
	})
}

// alloc is malloc(n), checked, and fill writing the n bytes there.
func (in *instance) alloc(ctx context.Context, n uint32, fill func([]byte) error) (uint32, error) {
	r, err := in.malloc.Call(ctx, uint64(n))
	if err != nil {
		return 0, in.fault(ctx, err, PhaseMalloc, n)
	}
	ptr := uint32(r[0])
	if ptr == 0 || !abi.InBounds(ptr, n, in.memBytes()) {
		me := &MallocError{Size: n, Ptr: ptr, MemoryBytes: in.memBytes()}
		if pages, limit := in.pages(), in.p.limitPages; in.p.reportLimit && pages >= limit {
			return 0, &MemoryError{Pages: pages, LimitPages: limit, Function: "malloc", Text: me.What(), Malloc: true}
		}
		return 0, me
	}
	dst, _ := in.mem.Read(ptr, n) // a view of the memory: written in place
	if err := fill(dst); err != nil {
		return 0, err
	}
	return ptr, nil
}

// release frees a buffer `times` times, with the arity free takes; owner
// names the buffer ("init's config buffer", "the pre_hook input buffer") for
// a trap in free, which the TypeScript host words as the host's step.
func (in *instance) release(ctx context.Context, ptr, n uint32, times int, owner string) error {
	for nth := 1; nth <= times; nth++ {
		var err error
		if in.freeLen {
			_, err = in.free.Call(ctx, uint64(ptr), uint64(n))
		} else {
			_, err = in.free.Call(ctx, uint64(ptr))
		}
		if err != nil {
			err = in.fault(ctx, err, PhaseFree, 0)
			if te, ok := err.(*TrapError); ok {
				te.FreeStep = freeStep(owner, nth, in.p.opts.FreePolicy)
			}
			return err
		}
	}
	return nil
}

// freeStep words the host's nth free of owner, as the TypeScript host does.
func freeStep(owner string, nth int, policy FreePolicy) string {
	if nth < 2 {
		return "the host's free of " + owner
	}
	probe := ""
	if policy == FreeDouble {
		probe = ` (free policy "double", a probe: Bifrost does not free a buffer twice)`
	}
	return "the host's second free of " + owner + probe
}

// read copies [ptr, ptr+n) out of memory (a view would go stale when memory grows).
func (in *instance) read(ptr, n uint32) ([]byte, error) {
	size := in.memBytes()
	if !abi.InBounds(ptr, n, size) {
		return nil, &OutputError{Ptr: ptr, Len: n, MemoryBytes: size}
	}
	view, _ := in.mem.Read(ptr, n)
	out := make([]byte, n)
	copy(out, view)
	return out, nil
}

// call runs one hook call: malloc, write, hook, free the input, read the
// output, free the output. Input first, then read: plugins that reuse the
// input buffer for their output must survive this order.
func (in *instance) call(ctx context.Context, hook string, fn api.Function, size int, fill func([]byte) error) (Result, error) {
	var res Result
	n := uint32(size)
	res.Stats.InputBytes = size
	res.Stats.PagesBefore = in.pages()
	started := time.Now()
	defer in.flush()
	ptr, err := in.alloc(ctx, n, fill)
	if err != nil {
		return res, err
	}
	in.args[0], in.args[1] = uint64(ptr), uint64(n)
	var hookStarted time.Time
	if in.p.opts.TimeHook {
		hookStarted = time.Now()
	}
	if err := fn.CallWithStack(ctx, in.args[:]); err != nil {
		return res, in.fault(ctx, err, PhaseCall, 0)
	}
	if in.p.opts.TimeHook {
		res.Stats.HookUs = micros(time.Since(hookStarted))
		res.Stats.HookTimed = true
	}
	packed := in.args[0]
	if err := in.release(ctx, ptr, n, in.p.freeInput, "the "+hook+" input buffer"); err != nil {
		return res, err
	}
	if packed != 0 {
		outPtr, outLen := abi.Unpack(packed)
		out, err := in.read(outPtr, outLen)
		if err != nil {
			return res, err
		}
		res.Output = out
		res.Stats.OutputBytes = len(out)
		if err := in.release(ctx, outPtr, outLen, in.p.freeOutput, "the "+hook+" output buffer"); err != nil {
			return res, err
		}
	}
	res.Stats.DurationUs = micros(time.Since(started))
	res.Stats.PagesAfter = in.pages()
	return res, nil
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (in *instance) cleanup(ctx context.Context) (int32, error) {
	f := in.mod.ExportedFunction(abi.Cleanup)
	if f == nil {
		return 0, nil
	}
	defer in.flush()
	r, err := f.Call(ctx)
	if err != nil {
		return 0, in.fault(ctx, err, PhaseCall, 0)
	}
	return int32(uint32(r[0])), nil
}

func (in *instance) flush() {
	in.stdout.flush()
	in.stderr.flush()
}

func (in *instance) close() {
	if in.mod != nil {
		_ = in.mod.Close(context.Background())
	}
}

// fault turns an error from a wasm call into the engine's typed error; wanted is what malloc was asked for.
func (in *instance) fault(ctx context.Context, err error, phase Phase, wanted uint32) error {
	return in.p.fault(ctx, err, in, phase, wanted, false)
}

// fault classifies err: a deadline, a closed plugin, proc_exit, or a trap
// (out of memory when memory is at, or the request would take it past, its
// limit: a failed memory.grow is invisible to the host).
func (p *Plugin) fault(ctx context.Context, err error, in *instance, phase Phase, wanted uint32, loading bool) error {
	if in != nil && in.stop != nil {
		if stop := in.stop.stopped(); stop != nil {
			return stop
		}
	}
	var pe *procExit
	if errors.As(err, &pe) {
		return &ExitError{Code: pe.code}
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch {
		case ee.ExitCode() == sys.ExitCodeDeadlineExceeded:
			return &TimeoutError{Timeout: p.timeoutOf(ctx)}
		case ee.ExitCode() == sys.ExitCodeContextCanceled:
			return context.Canceled
		case p.closed.Load():
			return closedError{}
		}
		return &ExitError{Code: ee.ExitCode()}
	}
	if p.closed.Load() {
		return closedError{}
	}
	kind, text, fn := p.classifyTrap(err)
	if in != nil {
		pages, limit := in.pages(), p.limitPages
		if p.reportLimit && uint64(pages)+(uint64(wanted)+65535)/65536 >= uint64(limit) {
			return &MemoryError{Pages: pages, LimitPages: limit, Function: fn, Phase: phase, Text: text, Kind: kind}
		}
	}
	te := &TrapError{Kind: kind, Function: fn, Phase: phase, Text: text, Loading: loading}
	if loading && p.reportLimit {
		te.LimitPages = p.limitPages
	}
	return te
}

// trapKinds maps wazero's runtime error texts (internal/wasmruntime) to the
// TypeScript host's kinds and wording.
var trapKinds = []struct {
	wazero string
	kind   TrapKind
	text   string
}{
	{"unreachable", TrapUnreachable, "unreachable executed (an AssemblyScript abort or a Rust panic)"},
	{"stack overflow", TrapStackOverflow, "call stack exhausted"},
	{"out of bounds memory access", TrapOutOfBounds, "memory access out of bounds"},
	{"integer divide by zero", TrapDivideByZero, "integer divide by zero"},
	{"integer overflow", TrapIntegerOverflow, "integer overflow"},
	{"invalid conversion to integer", TrapInvalidConversion, "invalid conversion to integer"},
	{"invalid table access", TrapIndirectCall, "invalid indirect call"},
	{"indirect call type mismatch", TrapIndirectCall, "invalid indirect call"},
}

// classifyTrap reads a wazero call error: "wasm error: <what>\nwasm stack
// trace:\n\t<module>.<function>(<params>) <results>\n...".
func (p *Plugin) classifyTrap(err error) (TrapKind, string, string) {
	msg := err.Error()
	first, rest, _ := strings.Cut(msg, "\n")
	what := first
	if i := strings.Index(first, "wasm error: "); i >= 0 { // "start function[3] failed: wasm error: unreachable"
		what = first[i+len("wasm error: "):]
	}
	kind, text := TrapOther, what
	for _, k := range trapKinds {
		if what == k.wazero {
			kind, text = k.kind, k.text
			break
		}
	}
	fn := ""
	if _, frames, ok := strings.Cut(rest, "wasm stack trace:\n\t"); ok {
		frame, _, _ := strings.Cut(frames, "\n")
		if i := strings.LastIndexByte(frame, '('); i > 0 {
			frame = frame[:i]
		}
		// wazero names a frame "<name-section module name>.<function name or $index>".
		fn = demangle(strings.TrimPrefix(frame, p.compiled.Name()+"."))
		if strings.HasPrefix(fn, "$") {
			fn = p.functionName(fn)
		}
	}
	return kind, text, fn
}
