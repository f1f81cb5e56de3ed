package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// The deadline without wazero's WithCloseOnContextDone.
//
// That option makes wazero compile a call out to Go at the head of every
// loop iteration (to check whether the module was closed) and start a
// watcher goroutine for every wasm call: on the project's 2-core machine
// hello-world's pre_hook took ten times as long with it. Instead, when the
// plugin has a deadline, the module is rewritten once at load:
//
//   - a mutable i32 global is added (the stop flag) and exported under
//     stopExport;
//   - each loop's body begins with `global.get $stop; if; unreachable; end`,
//     a load and a branch compiled inline;
//   - a start section is removed and its function exported under
//     startExport, so that the engine runs it itself, under the deadline.
//
// A timer (one per instance, re-armed for each call) sets the flag at the
// deadline: the plugin then traps at its next loop iteration, which the
// engine reports as ErrTimeout and the instance is closed and replaced. Code
// that never loops ends by itself or overflows its stack. Function indices,
// the name section and every other export are unchanged, so traps name the
// same functions. A module the rewriter cannot read (an opcode it does not
// know) keeps wazero's own mechanism.
const (
	stopExport  = "bifrost_as_engine.stop"
	startExport = "bifrost_as_engine.start"
)

// Section ids and their order in a module (custom sections, id 0, may sit anywhere).
const (
	secType       = 1
	secImport     = 2
	secGlobal     = 6
	secExport     = 7
	secStart      = 8
	secCode       = 10
	kindFunc      = 0
	kindGlobal    = 3
	opLoop        = 0x03
	opGlobalGet   = 0x23
	opIf          = 0x04
	opUnreachable = 0x00
	opEnd         = 0x0b
	blockEmpty    = 0x40
)

var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// rewriteForDeadlines turns the rewriting on (tests turn it off to check wazero's mechanism too).
var rewriteForDeadlines = true

// instrumented is a module rewritten with a stop flag.
type instrumented struct {
	wasm     []byte
	hasStart bool // the module had a start section, now exported as startExport
}

// errUnknownOpcode is an instruction the rewriter cannot skip over.
var errUnknownOpcode = errors.New("unknown opcode")

// instrument adds the stop flag to wasm (see above).
func instrument(wasm []byte) (instrumented, error) {
	r := &reader{b: wasm}
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return instrumented{}, errors.New("not a wasm module")
	}
	r.pos = 8
	type section struct {
		id   byte
		body []byte
	}
	var sections []section
	importedGlobals, definedGlobals := uint32(0), uint32(0)
	start := int64(-1)
	for r.pos < len(wasm) {
		id := r.byte()
		n := r.u32()
		body := r.bytes(int(n))
		if r.err != nil {
			return instrumented{}, r.err
		}
		switch id {
		case secImport:
			g, err := countGlobalImports(body)
			if err != nil {
				return instrumented{}, err
			}
			importedGlobals = g
		case secGlobal:
			br := &reader{b: body}
			definedGlobals = br.u32()
			if br.err != nil {
				return instrumented{}, br.err
			}
		case secStart:
			br := &reader{b: body}
			start = int64(br.u32())
			if br.err != nil {
				return instrumented{}, br.err
			}
			continue // dropped: the engine calls it
		}
		sections = append(sections, section{id, body})
	}
	stop := importedGlobals + definedGlobals
	fuel := stop + 1
	// The flag and the fuel: two (global (mut i32) (i32.const 0)).
	flag := []byte{0x7f, 0x01, 0x41, 0x00, opEnd, 0x7f, 0x01, 0x41, 0x00, opEnd}
	exports := appendName(nil, stopExport)
	exports = append(exports, kindGlobal)
	exports = appendU32(exports, stop)
	nExports := uint32(1)
	if start >= 0 {
		exports = appendName(exports, startExport)
		exports = append(exports, kindFunc)
		exports = appendU32(exports, uint32(start))
		nExports++
	}
	check := loopCheck(stop, fuel)

	out := append([]byte{}, wasm[:8]...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	hasGlobal, hasExport := false, false
	for _, s := range sections {
		if s.id != 0 {
			if !hasGlobal && sectionRank[s.id] > sectionRank[secGlobal] {
				emit(secGlobal, append(appendU32(nil, 2), flag...))
				hasGlobal = true
			}
			if !hasExport && sectionRank[s.id] > sectionRank[secExport] {
				emit(secExport, append(appendU32(nil, nExports), exports...))
				hasExport = true
			}
		}
		switch s.id {
		case secGlobal:
			br := &reader{b: s.body}
			br.u32()
			emit(secGlobal, append(append(appendU32(nil, definedGlobals+2), s.body[br.pos:]...), flag...))
			hasGlobal = true
		case secExport:
			br := &reader{b: s.body}
			n := br.u32()
			if br.err != nil {
				return instrumented{}, br.err
			}
			emit(secExport, append(append(appendU32(nil, n+nExports), s.body[br.pos:]...), exports...))
			hasExport = true
		case secCode:
			body, err := instrumentCode(s.body, check)
			if err != nil {
				return instrumented{}, err
			}
			emit(secCode, body)
		default:
			emit(s.id, s.body)
		}
	}
	if !hasGlobal {
		emit(secGlobal, append(appendU32(nil, 2), flag...))
	}
	if !hasExport {
		emit(secExport, append(appendU32(nil, nExports), exports...))
	}
	return instrumented{wasm: out, hasStart: start >= 0}, nil
}

func countGlobalImports(body []byte) (uint32, error) {
	r := &reader{b: body}
	n := r.u32()
	globals := uint32(0)
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.bytes(int(r.u32())) // module
		r.bytes(int(r.u32())) // name
		switch kind := r.byte(); kind {
		case 0: // func: type index
			r.u32()
		case 1: // table: reftype, limits
			r.byte()
			r.limits()
		case 2: // memory: limits
			r.limits()
		case 3: // global: valtype, mutability
			r.byte()
			r.byte()
			globals++
		default:
			return 0, fmt.Errorf("import kind %d", kind)
		}
	}
	return globals, r.err
}

// fuelPerCheck is how many loop iterations run between two looks at the stop flag.
const fuelPerCheck = 1 << 16

// loopCheck is the code put at the head of every loop:
//
//	global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	global.get $fuel  i32.const 0  i32.le_s
//	if
//	  i32.const 0  memory.grow 0  drop      ;; a call into Go: see below
//	  global.get $stop  if unreachable end
//	  i32.const fuelPerCheck  global.set $fuel
//	end
//
// The memory.grow of 0 pages changes nothing but is compiled as a call into
// the Go runtime, where the scheduler can preempt the goroutine: compiled
// wasm code otherwise never yields its thread, and when every thread the Go
// scheduler runs (GOMAXPROCS) is held by a spinning plugin, no timer could
// fire to stop them.
func loopCheck(stop, fuel uint32) []byte {
	get := func(b []byte, g uint32) []byte { return appendU32(append(b, opGlobalGet), g) }
	set := func(b []byte, g uint32) []byte { return appendU32(append(b, 0x24), g) }
	b := get(nil, fuel)
	b = append(b, 0x41, 0x01, 0x6b) // i32.const 1, i32.sub
	b = set(b, fuel)
	b = get(b, fuel)
	b = append(b, 0x41, 0x00, 0x4c, opIf, blockEmpty) // i32.const 0, i32.le_s, if
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1a)       // i32.const 0, memory.grow 0, drop
	b = get(b, stop)
	b = append(b, opIf, blockEmpty, opUnreachable, opEnd)
	b = append(b, 0x41)
	b = appendS32(b, fuelPerCheck)
	b = set(b, fuel)
	return append(b, opEnd)
}

func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// instrumentCode puts check at the start of every loop of every function body.
func instrumentCode(body []byte, check []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(body)+len(body)/8), n)
	var fn []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		code := r.bytes(int(size))
		if r.err != nil {
			return nil, r.err
		}
		var err error
		fn, err = instrumentFunction(fn[:0], code, check)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.pos != len(body) {
		return nil, errors.New("trailing bytes in the code section")
	}
	return out, nil
}

func instrumentFunction(out, code, check []byte) ([]byte, error) {
	r := &reader{b: code}
	groups := r.u32()
	for i := uint32(0); i < groups; i++ {
		r.u32()  // count
		r.byte() // valtype
	}
	if r.err != nil {
		return nil, r.err
	}
	copied := 0
	for r.pos < len(code) && r.err == nil {
		op := r.byte()
		if op == opLoop {
			r.blockType()
			out = append(out, code[copied:r.pos]...)
			out = append(out, check...)
			copied = r.pos
			continue
		}
		if err := r.skipImmediates(op); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return append(out, code[copied:]...), nil
}

// reader reads the binary format; the first error sticks.
type reader struct {
	b   []byte
	pos int
	err error
}

var errTruncated = errors.New("truncated module")

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.err = errTruncated
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.pos+n > len(r.b) {
		r.err = errTruncated
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

// leb skips or reads a LEB128 of at most max bytes.
func (r *reader) leb(max int) uint64 {
	var v uint64
	for i := 0; i < max; i++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("LEB128 too long")
	return 0
}

func (r *reader) u32() uint32 { return uint32(r.leb(5)) }

func (r *reader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

func (r *reader) blockType() {
	// 0x40, a value type (one byte, top bit clear after 0x40 upwards), or an s33 type index.
	r.leb(5)
}

func (r *reader) memarg() {
	r.u32() // align (and flags)
	r.leb(10)
}

// skipImmediates skips the immediates of op (the MVP and the proposals wazero v1.11 implements: sign
// extension, saturating conversions, bulk memory, reference types, multi-value, SIMD, threads, tail calls).
func (r *reader) skipImmediates(op byte) error {
	switch {
	case op == 0x02 || op == 0x04: // block, if
		r.blockType()
	case op == 0x0c || op == 0x0d: // br, br_if
		r.u32()
	case op == 0x0e: // br_table
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x10 || op == 0x12: // call, return_call
		r.u32()
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		n := r.u32()
		r.bytes(int(n))
	case op >= 0x20 && op <= 0x26: // local.*, global.*, table.get/set
		r.u32()
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x3f || op == 0x40: // memory.size, memory.grow
		r.byte()
	case op == 0x41: // i32.const
		r.leb(5)
	case op == 0x42: // i64.const
		r.leb(10)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null
		r.byte()
	case op == 0xd2: // ref.func
		r.u32()
	case op == 0xfc:
		return r.skipFC()
	case op == 0xfd:
		return r.skipSIMD()
	case op == 0xfe:
		return r.skipAtomic()
	case op <= 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a || op == 0x1b ||
		(op >= 0x45 && op <= 0xc4) || op == 0xd1:
		// no immediates: unreachable, nop, else, end, return, drop, select, numeric ops, ref.is_null
	default:
		return fmt.Errorf("%w 0x%02x", errUnknownOpcode, op)
	}
	return nil
}

func (r *reader) skipFC() error {
	switch sub := r.u32(); {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init
		r.u32()
		r.byte()
	case sub == 9 || sub == 13 || (sub >= 15 && sub <= 17): // data.drop, elem.drop, table.grow/size/fill
		r.u32()
	case sub == 10: // memory.copy
		r.byte()
		r.byte()
	case sub == 11: // memory.fill
		r.byte()
	case sub == 12 || sub == 14: // table.init, table.copy
		r.u32()
		r.u32()
	default:
		return fmt.Errorf("%w 0xfc %d", errUnknownOpcode, sub)
	}
	return nil
}

func (r *reader) skipSIMD() error {
	switch sub := r.u32(); {
	case sub <= 11 || sub == 92 || sub == 93: // loads, stores, load32_zero, load64_zero
		r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.byte()
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		r.memarg()
		r.byte()
	case sub <= 0x113: // every other SIMD opcode has no immediates
	default:
		return fmt.Errorf("%w 0xfd %d", errUnknownOpcode, sub)
	}
	return nil
}

func (r *reader) skipAtomic() error {
	switch sub := r.u32(); {
	case sub == 3: // atomic.fence
		r.byte()
	case sub <= 0x4e:
		r.memarg()
	default:
		return fmt.Errorf("%w 0xfe %d", errUnknownOpcode, sub)
	}
	return nil
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendName(b []byte, s string) []byte {
	return append(appendU32(b, uint32(len(s))), s...)
}

// stopper is an instance's deadline in the stop-flag mode: one timer per
// instance, re-armed for each call (no goroutine per wasm call), and the
// caller's context watched with context.AfterFunc (no goroutine either for
// the standard library's contexts).
type stopper struct {
	flag    api.MutableGlobal
	timeout time.Duration
	timer   *time.Timer
	ctxStop func() bool
	raised  atomic.Bool
	fired   chan error // the one raise's cause (capacity 1)
	cause   error      // received from fired; the owner's goroutine only
}

func newStopper(flag api.MutableGlobal, timeout time.Duration) *stopper {
	return &stopper{flag: flag, timeout: timeout, fired: make(chan error, 1)}
}

// raise sets the flag, once: the plugin traps at its next loop iteration.
func (s *stopper) raise(cause error) {
	if s.raised.CompareAndSwap(false, true) {
		s.flag.Set(1)
		s.fired <- cause
	}
}

// arm starts the deadline of one call (or one load) and watches ctx.
func (s *stopper) arm(ctx context.Context) {
	if s.timer == nil {
		s.timer = time.AfterFunc(s.timeout, func() { s.raise(&TimeoutError{Timeout: s.timeout}) })
	} else {
		s.timer.Reset(s.timeout)
	}
	if ctx.Done() != nil {
		s.ctxStop = context.AfterFunc(ctx, func() {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				s.raise(&TimeoutError{Timeout: s.timeout})
			} else {
				s.raise(context.Canceled)
			}
		})
	}
}

// stopped says why the flag was raised (nil when it was not): a failed call is then reported as the deadline.
func (s *stopper) stopped() error {
	if s.cause == nil && s.raised.Load() {
		s.cause = <-s.fired
	}
	return s.cause
}

// disarm ends the call's deadline and says whether the flag was raised during it (or is being raised: the
// call then ran to its deadline, and the instance must go either way).
func (s *stopper) disarm() error {
	timerStopped := s.timer.Stop()
	ctxStopped := true
	if s.ctxStop != nil {
		ctxStopped = s.ctxStop()
		s.ctxStop = nil
	}
	if (!timerStopped || !ctxStopped) && s.cause == nil {
		s.cause = <-s.fired
	}
	return s.cause
}
