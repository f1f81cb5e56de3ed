package engine

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// procExit unwinds a call from WASI proc_exit without closing the module,
// as the TypeScript host's shim does: proc_exit(0) in _start is then a
// normal end and loading goes on. (wazero's own proc_exit closes the module,
// so under it an exit in _start leaves nothing to call init on.)
type procExit struct{ code uint32 }

func (p *procExit) Error() string { return fmt.Sprintf("proc_exit(%d)", p.code) }

// instantiateWASI adds WASI preview 1 to r: wazero's implementation (stdout
// and stderr go where each module's config says; no files, no preopens,
// empty args and environment) with proc_exit replaced.
func instantiateWASI(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	b.NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			panic(&procExit{code: uint32(stack[0])})
		}), []api.ValueType{api.ValueTypeI32}, nil).
		WithParameterNames("rval").
		Export("proc_exit")
	_, err := b.Instantiate(ctx)
	return err
}

// maxPending is the longest partial line kept before it is logged anyway.
const maxPending = 64 * 1024

// lineWriter turns one instance's stdout or stderr into log lines: complete
// lines as they are written, the rest when the call ends (flush). An
// instance runs one call at a time, so it needs no lock.
type lineWriter struct {
	log     func(string)
	pending []byte
	written bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.log == nil {
		return len(p), nil
	}
	w.written = true
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		w.emit(w.pending[:i])
		w.pending = w.pending[i+1:]
	}
	if len(w.pending) > maxPending {
		w.emit(w.pending)
		w.pending = w.pending[:0]
	}
	if len(w.pending) == 0 {
		w.pending = nil
	}
	return len(p), nil
}

func (w *lineWriter) emit(line []byte) {
	w.log(string(bytes.TrimSuffix(line, []byte{'\r'})))
}

// flush logs a partial line left by the call.
func (w *lineWriter) flush() {
	if !w.written {
		return
	}
	w.written = false
	if len(w.pending) > 0 {
		w.emit(w.pending)
	}
	w.pending = nil
}
