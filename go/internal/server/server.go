// Package server is the engine program's protocol: the protocol of
// lib/host/worker_protocol.ts over stdin and stdout (JSON lines, a call's
// input and a result's output as raw bytes after their line), so that the
// TypeScript host's ProcessBackend drives a plugin on wazero unchanged, plus
// two benchmark requests (floor, throughput).
package server

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bifrost-as/bifrost-as/go/abi"
	"github.com/bifrost-as/bifrost-as/go/engine"
)

// Server serves one plugin over one connection; requests are handled one
// at a time, in order, as the TypeScript client sends them.
type Server struct {
	// CacheDir is wazero's compilation cache directory ("" for none).
	CacheDir string

	mu     sync.Mutex // guards out: logs may come from several instances during a throughput run
	out    *bufio.Writer
	enc    *json.Encoder
	plugin *engine.Plugin
	broken error // set when re-instantiating after a trap failed, as the TypeScript runner's #broken
	opts   engine.Options
}

// Serve reads requests from r until EOF and writes replies to w.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	s.out = bufioWriter(w)
	s.enc = newEncoder(s.out)
	defer s.close(ctx)
	in := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			if herr := s.handle(ctx, line, in); herr != nil {
				return herr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func bufioWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 64<<10) }

// newEncoder writes JSON as JavaScript's JSON.stringify does where it matters: no HTML escaping.
func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

func (s *Server) close(ctx context.Context) {
	if s.plugin != nil {
		_ = s.plugin.Close(ctx)
	}
}

// post writes one reply line, and the raw bytes that follow it, if any.
func (s *Server) post(reply any, payload ...[]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.enc.Encode(reply) // Encode ends the line
	for _, p := range payload {
		_, _ = s.out.Write(p)
	}
	_ = s.out.Flush()
}

func (s *Server) log(line string) { s.post(logReply{Type: "log", Line: line}) }

func (s *Server) fail(err error) { s.post(errorReply{Type: "error", Error: serialize(err)}) }

// maxInput is the largest input a call may announce: what a wasm32 memory holds.
const maxInput = 1<<32 - 1

// largeCall is an input or output after which the process hands its freed memory back to the system.
const largeCall = 8 << 20

// handle answers one request; a call's input is read from in first. Only a
// stream that ends inside an input is an error: the host is gone.
func (s *Server) handle(ctx context.Context, line []byte, in io.Reader) error {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		s.post(errorReply{Type: "error", Error: serializedError{Name: "SyntaxError", Message: "host worker: " + err.Error()}})
		return nil
	}
	if req.Type == "call" {
		if req.Bytes < 0 || req.Bytes > maxInput {
			// The stream cannot be followed past a length that is not one.
			return fmt.Errorf("a call announces %d bytes of input (at most %d)", req.Bytes, maxInput)
		}
		input := &countingReader{r: in}
		s.dispatch(ctx, req, input)
		// A call that failed before it read its input leaves it in the stream: read past it.
		if _, err := io.CopyN(io.Discard, input, int64(req.Bytes)-input.n); err != nil {
			return fmt.Errorf("reading a %d-byte call input: %w", req.Bytes, err)
		}
		if req.Bytes >= largeCall {
			// Its garbage is handed back to the system at once, not when the runtime gets round to it.
			debug.FreeOSMemory()
		}
		return nil
	}
	s.dispatch(ctx, req, nil)
	return nil
}

// countingReader counts what has been read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// dispatch answers a request; a call reads its input from input.
func (s *Server) dispatch(ctx context.Context, req request, input *countingReader) {
	if req.Type == "load" {
		s.load(ctx, req.Options)
		return
	}
	if s.plugin == nil {
		s.post(errorReply{Type: "error", Error: serializedError{Name: "Error", Message: "host worker: no plugin loaded"}})
		return
	}
	if s.broken != nil {
		s.fail(s.broken)
		return
	}
	switch req.Type {
	case "call":
		if s.call(ctx, req.Hook, req.Bytes, input) {
			// A large output is garbage now: handed back to the system at once, not when the runtime next
			// gets round to it (the process would keep it while idle).
			debug.FreeOSMemory()
		}
	case "cleanup":
		code, err := s.plugin.Cleanup(ctx)
		if err != nil {
			s.failed(ctx, err)
			return
		}
		s.post(cleanupReply{Type: "cleanup", Code: code})
	case "floor":
		s.floor(req)
	case "throughput":
		s.throughput(ctx, req)
	default:
		s.post(errorReply{Type: "error", Error: serializedError{Name: "Error", Message: fmt.Sprintf("host worker: unknown request %q", req.Type)}})
	}
}

func (s *Server) load(ctx context.Context, w *wireOptions) {
	if w == nil {
		s.post(errorReply{Type: "error", Error: serializedError{Name: "Error", Message: "host worker: load without options"}})
		return
	}
	wasm, err := base64.StdEncoding.DecodeString(w.WasmBase64)
	if err != nil {
		s.fail(&engine.LoadError{Label: w.Label, Reason: "its bytes are not base64: " + err.Error(), Err: err})
		return
	}
	opts := engine.Options{
		Label:       w.Label,
		FreePolicy:  engine.FreePolicy(w.FreePolicy),
		TimeHook:    w.TimeHook,
		HookTimeout: time.Duration(w.HookTimeoutMs * float64(time.Millisecond)),
		PoolSize:    w.PoolSize,
		CacheDir:    s.CacheDir,
		Log:         s.log,
		// One request at a time: the plugin is never closed during a call.
		ReserveMemory: true,
	}
	if w.Config != nil {
		opts.Config = []byte(*w.Config)
	}
	if w.MemoryLimitPages != nil {
		opts.MemoryLimitPages = *w.MemoryLimitPages
	}
	opts.FunctionNames = make(map[uint32]string, len(w.FunctionNames))
	for _, pair := range w.FunctionNames {
		var p [2]any
		if json.Unmarshal(pair, &p) != nil {
			continue
		}
		if i, ok := p[0].(float64); ok {
			if n, ok := p[1].(string); ok {
				opts.FunctionNames[uint32(i)] = n
			}
		}
	}
	if s.plugin != nil {
		_ = s.plugin.Close(ctx)
		s.plugin = nil
	}
	s.broken = nil
	p, err := engine.Load(ctx, wasm, opts)
	if err != nil {
		s.fail(err)
		return
	}
	s.plugin, s.opts = p, opts
	s.post(loadedReply{Type: "loaded", Name: p.Name(), Pages: p.Pages()})
}

// call answers a call, its input read from input into the plugin's memory; it returns whether its output
// was large.
func (s *Server) call(ctx context.Context, hook string, n int, input io.Reader) bool {
	res, err := s.plugin.CallFrom(ctx, hook, n, input)
	if err != nil {
		s.failed(ctx, err)
		return false
	}
	st := stats{
		DurationUs:  res.Stats.DurationUs,
		InputBytes:  res.Stats.InputBytes,
		OutputBytes: res.Stats.OutputBytes,
		PagesBefore: res.Stats.PagesBefore,
		PagesAfter:  res.Stats.PagesAfter,
	}
	if res.Stats.HookTimed {
		st.HookUs = &res.Stats.HookUs
	}
	if res.Output == nil {
		s.post(resultReply{Type: "result", Stats: st})
		return false
	}
	// The TypeScript runner decodes strict UTF-8: an invalid output is a contract error there too.
	if at := abi.FirstInvalidUTF8(res.Output); at >= 0 {
		s.fail(&engine.HookError{Plugin: s.plugin.Name(), Hook: hook, Err: &engine.UTF8Error{At: at, Byte: res.Output[at]}})
		return false
	}
	size := len(res.Output)
	s.post(resultReply{Type: "result", Stats: st, Bytes: &size}, res.Output)
	return size >= largeCall
}

// failed answers an error; after a trap it re-instantiates at once and logs
// it, as the TypeScript runner does (the pool would otherwise replace the
// instance on the next call).
func (s *Server) failed(ctx context.Context, err error) {
	if isTrap(err) {
		if werr := s.plugin.Warm(ctx); werr != nil {
			var ue *engine.UnusableError
			cause := werr
			if errors.As(werr, &ue) {
				cause = ue.Cause
			}
			s.broken = &engine.HookError{Plugin: s.plugin.Name(), Hook: "", Err: &engine.UnusableError{Cause: cause}}
		} else {
			s.log(fmt.Sprintf("host: re-instantiated plugin %q after: %s", s.plugin.Name(), err.Error()))
		}
	}
	s.fail(err)
}
