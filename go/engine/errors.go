package engine

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Sentinel errors: every error a hook call or a load returns wraps one of
// these (or a plain load failure, see LoadError) inside a *HookError, so
// callers match with errors.Is and read details with errors.As.
var (
	// ErrTimeout is a call that ran past Options.HookTimeout; the instance was stopped and closed.
	ErrTimeout = errors.New("ran past its deadline")
	// ErrTrap is a trap in the plugin (unreachable, an out-of-bounds access, a stack overflow, ...).
	ErrTrap = errors.New("trapped")
	// ErrClosed is a call into a closed plugin.
	ErrClosed = errors.New("plugin is closed")
	// ErrMallocZero is a malloc that returned 0 for a buffer the host asked for.
	ErrMallocZero = errors.New("malloc returned 0")
	// ErrBadOutput is a pointer and length (an output, or malloc's result) outside the plugin's memory.
	ErrBadOutput = errors.New("pointer outside memory")
	// ErrMemoryLimit is a plugin that failed with its memory at (or a request taking it past) its page limit.
	ErrMemoryLimit = errors.New("ran out of memory")
	// ErrExit is a call to WASI proc_exit (but proc_exit(0) in _start, a normal end).
	ErrExit = errors.New("called proc_exit")
	// ErrInputTooLarge is an input larger than the plugin takes (its max_input_size export, or the memory
	// limit); nothing ran and the instance is kept.
	ErrInputTooLarge = errors.New("input too large")
	// ErrNoExport is a call to a hook the plugin does not export.
	ErrNoExport = errors.New("no such export")
)

// HookError is the error of a failed hook call or load: the plugin (its
// name, or Options.Label before it has one), the export being called and
// the cause. Its message is the TypeScript host's for the same failure.
type HookError struct {
	Plugin string
	Hook   string
	Err    error
}

func (e *HookError) Error() string {
	if d, ok := e.Err.(describer); ok {
		return d.describe(e.Plugin, e.Hook)
	}
	return fmt.Sprintf("Plugin %q %s: %v", e.Plugin, e.Hook, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

// describer is implemented by the detail errors that word the whole message.
type describer interface {
	describe(plugin, hook string) string
}

// Phase is the step of a call in which a trap happened.
type Phase string

// The phases of a call.
const (
	PhaseMalloc Phase = "malloc"
	PhaseCall   Phase = "call"
	PhaseFree   Phase = "free"
)

func (p Phase) text() string {
	switch p {
	case PhaseMalloc:
		return " (in malloc, for its input)"
	case PhaseFree:
		return " (in free)"
	}
	return ""
}

// TrapKind names how a call ended abnormally, as the TypeScript host does.
type TrapKind string

// The trap kinds.
const (
	TrapUnreachable       TrapKind = "unreachable"
	TrapOutOfBounds       TrapKind = "out_of_bounds"
	TrapStackOverflow     TrapKind = "stack_overflow"
	TrapOutOfMemory       TrapKind = "out_of_memory"
	TrapDivideByZero      TrapKind = "divide_by_zero"
	TrapIntegerOverflow   TrapKind = "integer_overflow"
	TrapInvalidConversion TrapKind = "invalid_conversion"
	TrapIndirectCall      TrapKind = "indirect_call"
	TrapProcExit          TrapKind = "proc_exit"
	TrapOther             TrapKind = "other"
)

// TrapError details ErrTrap.
type TrapError struct {
	Kind     TrapKind
	Function string // the wasm function that trapped, when the stack names it
	Phase    Phase
	Text     string // what happened, in the TypeScript host's words
	// Loading is set for a trap in the module's start function, while it is instantiated (no memory to look
	// at yet); LimitPages is then the memory limit, when one was set, which the message names as a likely cause.
	Loading    bool
	LimitPages uint32
	// FreeStep is set for a trap in the host's free of a buffer: which free, of which buffer
	// ("the host's second free of init's config buffer ..."); the message then names free as the step.
	FreeStep string
}

func (e *TrapError) Error() string { return "trapped: " + e.Text }

// Is makes errors.Is(err, ErrTrap) true.
func (e *TrapError) Is(target error) bool { return target == ErrTrap }

func (e *TrapError) describe(plugin, hook string) string {
	if e.FreeStep != "" {
		return fmt.Sprintf("Plugin %q trapped in free, %s: %s%s", plugin, e.FreeStep, e.Text, inFunction(e.Function))
	}
	limited := ""
	if e.Loading && e.LimitPages > 0 {
		limited = fmt.Sprintf(" (its memory is limited to %d pages)", e.LimitPages)
	}
	return fmt.Sprintf("Plugin %q trapped in %s%s: %s%s%s", plugin, hook, e.Phase.text(), e.Text, inFunction(e.Function), limited)
}

func inFunction(fn string) string {
	if fn == "" {
		return ""
	}
	return fmt.Sprintf(" in function %q", fn)
}

// MemoryError details ErrMemoryLimit: a trap or a failed malloc with memory
// at (or a request beyond) its page limit.
type MemoryError struct {
	Pages      uint32 // memory size when it failed
	LimitPages uint32
	Function   string // the trapping function, or "malloc" when malloc refused
	Phase      Phase
	Text       string // the trap, or what malloc returned
	Malloc     bool   // malloc returned a bad pointer rather than trapping
	Kind       TrapKind
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("ran out of memory at %d of %d pages", e.Pages, e.LimitPages)
}

// Is makes errors.Is(err, ErrMemoryLimit) true.
func (e *MemoryError) Is(target error) bool { return target == ErrMemoryLimit }

func (e *MemoryError) describe(plugin, hook string) string {
	if e.Malloc {
		return fmt.Sprintf("Plugin %q ran out of memory in %s: %s at its %d-page limit", plugin, hook, e.Text, e.LimitPages)
	}
	at := "at"
	if e.Pages < e.LimitPages {
		at = fmt.Sprintf("%d pages, near", e.Pages)
	}
	// Out of memory is the cause: an abort's guess at a panic would mislead.
	text := e.Text
	if e.Kind == TrapUnreachable {
		text = "unreachable executed"
	}
	ceiling := ""
	if e.LimitPages == DefaultMemoryLimitPages {
		ceiling = ": 4 GiB, the most a wasm32 module can have"
	}
	return fmt.Sprintf("Plugin %q ran out of memory in %s%s: %s%s (its memory is %s the %d-page limit%s)",
		plugin, hook, e.Phase.text(), text, inFunction(e.Function), at, e.LimitPages, ceiling)
}

// ExitError details ErrExit.
type ExitError struct {
	Code uint32
}

func (e *ExitError) Error() string { return fmt.Sprintf("proc_exit(%d)", e.Code) }

// Is makes errors.Is(err, ErrExit) true.
func (e *ExitError) Is(target error) bool { return target == ErrExit }

func (e *ExitError) describe(plugin, hook string) string {
	return fmt.Sprintf("Plugin %q called proc_exit(%d) in %s", plugin, int32(e.Code), hook)
}

// TimeoutError details ErrTimeout.
type TimeoutError struct {
	Timeout time.Duration
}

func (e *TimeoutError) Error() string { return fmt.Sprintf("ran past its %s deadline", e.Timeout) }

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

func (e *TimeoutError) describe(plugin, hook string) string {
	if e.Timeout <= 0 {
		return fmt.Sprintf("Plugin %q %s ran past its deadline (the host stopped it)", plugin, hook)
	}
	return fmt.Sprintf("Plugin %q %s ran past its %s ms budget (the host stopped it)", plugin, hook, millis(e.Timeout))
}

func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms == math.Trunc(ms) {
		return fmt.Sprintf("%d", int64(ms))
	}
	return fmt.Sprintf("%g", ms)
}

// MallocError details a malloc that returned 0 (ErrMallocZero) or a pointer
// whose buffer does not fit in memory (ErrBadOutput).
type MallocError struct {
	Size        uint32
	Ptr         uint32
	MemoryBytes uint64
}

// Is makes errors.Is true for ErrMallocZero or ErrBadOutput.
func (e *MallocError) Is(target error) bool {
	return (e.Ptr == 0 && target == ErrMallocZero) || (e.Ptr != 0 && target == ErrBadOutput)
}

func (e *MallocError) Error() string { return e.What() }

// What words the failure as the TypeScript host's violation text.
func (e *MallocError) What() string {
	if e.Ptr == 0 {
		return fmt.Sprintf("malloc(%d) returned 0", e.Size)
	}
	return fmt.Sprintf("malloc(%d) returned %d, outside its %d-byte memory", e.Size, e.Ptr, e.MemoryBytes)
}

func (e *MallocError) describe(plugin, hook string) string {
	return fmt.Sprintf("Plugin %q cannot take the %s input: %s", plugin, hook, e.What())
}

// OutputError details ErrBadOutput for a result pointing outside memory.
type OutputError struct {
	Ptr, Len    uint32
	MemoryBytes uint64
}

// Is makes errors.Is(err, ErrBadOutput) true.
func (e *OutputError) Is(target error) bool { return target == ErrBadOutput }

func (e *OutputError) Error() string { return e.What() }

// What words the failure as the TypeScript host's violation text.
func (e *OutputError) What() string {
	return fmt.Sprintf("returned pointer %d and length %d, outside its %d-byte memory", e.Ptr, e.Len, e.MemoryBytes)
}

func (e *OutputError) describe(plugin, hook string) string {
	return fmt.Sprintf("Plugin %q %s %s", plugin, hook, e.What())
}

// InputTooLargeError details ErrInputTooLarge.
type InputTooLargeError struct {
	InputBytes int
	LimitBytes uint64
	Declared   bool // the limit is the plugin's max_input_size, not the memory limit
	LimitPages uint32
}

// Is makes errors.Is(err, ErrInputTooLarge) true.
func (e *InputTooLargeError) Is(target error) bool { return target == ErrInputTooLarge }

func (e *InputTooLargeError) Error() string {
	return fmt.Sprintf("input of %d bytes over the %d-byte limit", e.InputBytes, e.LimitBytes)
}

func (e *InputTooLargeError) describe(plugin, hook string) string {
	why := "takes inputs of at most " + size(e.LimitBytes)
	fix := " (raise the host's memory cap)"
	if e.Declared {
		const mib = 1 << 20
		fix = fmt.Sprintf(" (a bifrost-as plugin takes more when built with bifrost-as build --max-input-mb %d)",
			(e.InputBytes+mib-1)/mib)
	} else {
		why = fmt.Sprintf("has at most %s of memory (%d pages)", size(e.LimitBytes), e.LimitPages)
	}
	return fmt.Sprintf("Plugin %q %s: this %s input is %s%s", plugin, why, hook, size(uint64(e.InputBytes)), fix)
}

// size words a byte count as the TypeScript host does: bytes with thousands
// separators, and MiB to one decimal first when large.
func size(n uint64) string {
	s := fmt.Sprintf("%d", n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	exact := b.String() + " bytes"
	if n < 1<<20 {
		return exact
	}
	mib := math.Round(float64(n)/(1<<20)*10) / 10
	return fmt.Sprintf("%s MiB (%s)", trimFloat(mib), exact)
}

func trimFloat(f float64) string { return fmt.Sprintf("%g", f) }

// NoExportError details ErrNoExport.
type NoExportError struct{}

// Is makes errors.Is(err, ErrNoExport) true.
func (NoExportError) Is(target error) bool { return target == ErrNoExport }

func (NoExportError) Error() string { return "not exported" }

func (NoExportError) describe(plugin, hook string) string {
	return fmt.Sprintf("Plugin %q does not export %q", plugin, hook)
}

// closedError details ErrClosed.
type closedError struct{}

func (closedError) Is(target error) bool { return target == ErrClosed }
func (closedError) Error() string        { return ErrClosed.Error() }
func (closedError) describe(plugin, _ string) string {
	return fmt.Sprintf("Plugin %q is closed", plugin)
}

// LoadError is a plugin that cannot be loaded for a reason other than a
// failed call: a module that does not compile or breaks the ABI, an init
// that returned non-zero, an empty name. Returned bare (not in a HookError).
type LoadError struct {
	Label  string
	Reason string
	Err    error // the underlying error, if any
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("Cannot load plugin %q: %s", e.Label, e.Reason)
}

func (e *LoadError) Unwrap() error { return e.Err }

// UnusableError is a failed creation of an instance (after a fault, or for
// a pool below its size): its Cause is the load's error. A later call tries
// again.
type UnusableError struct {
	Cause error
}

func (e *UnusableError) Error() string { return "unusable: " + e.Cause.Error() }

func (e *UnusableError) Unwrap() error { return e.Cause }

func (e *UnusableError) describe(plugin, _ string) string {
	return fmt.Sprintf("Plugin %q is unusable: re-instantiating it after a trap failed: %s", plugin, e.Cause.Error())
}

// UTF8Error is a name or reason (get_name, last_error) that is not valid UTF-8.
type UTF8Error struct {
	At   int
	Byte byte
}

func (e *UTF8Error) Error() string { return e.What() }

// What words the failure as the TypeScript host's violation text.
func (e *UTF8Error) What() string {
	return fmt.Sprintf("returned invalid UTF-8 (byte %d: 0x%02x)", e.At, e.Byte)
}

func (e *UTF8Error) describe(plugin, hook string) string {
	return fmt.Sprintf("Plugin %q %s %s", plugin, hook, e.What())
}
