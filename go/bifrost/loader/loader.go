// Package loader is the Bifrost-typed side of bifrost-as's WASM loader: a Go
// plugin for the open-source Bifrost HTTP server (loaded through its
// SharedObjectPluginLoader) that hosts one WASM plugin with wazero and runs
// its hooks. Every JSON decision lives in abimap, which imports nothing of
// Bifrost; this package only moves Bifrost's values in and out.
//
// One Loader is one config.json plugin entry. The Go plugin's main package
// (cmd/bifrost-wasm) holds one Loader in a package variable and exports its
// methods as the symbols Bifrost looks up, so one .so serves one entry: see
// the build script for how several entries get a .so each.
package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/bifrost-as/bifrost-as/go/bifrost/abimap"
	"github.com/bifrost-as/bifrost-as/go/engine"
	"github.com/maximhq/bifrost/core/schemas"
)

// Config is a plugin entry's `config` in Bifrost's config.json.
type Config struct {
	// Wasm is the plugin's .wasm file (relative paths from the server's working directory).
	Wasm string `json:"wasm"`
	// Config is what the plugin's init gets, as JSON (default {}).
	Config json.RawMessage `json:"config"`
	// HookTimeoutMs bounds one hook call (default 30000; 0 keeps the default; -1 sets no limit).
	HookTimeoutMs int `json:"hook_timeout_ms"`
	// PoolSize is how many instances serve calls at once (default GOMAXPROCS).
	PoolSize int `json:"pool_size"`
	// FreePolicy is which buffers the loader frees: both (default), input, none.
	FreePolicy string `json:"free_policy"`
	// MemoryLimitPages caps each instance's memory, in 64 KiB pages (0: wazero's default).
	MemoryLimitPages uint32 `json:"memory_limit_pages"`
}

// Loader runs one WASM plugin's hooks for Bifrost.
type Loader struct {
	plugin *engine.Plugin
	name   string
	// Hook names the module exports, decided once at load.
	httpPre, httpPost, chunk, pre, post string
}

// DefaultName is GetName's answer before Init has loaded a plugin.
const DefaultName = "bifrost-wasm"

// Init loads the WASM plugin the entry's config names. Bifrost passes the
// entry's `config` value as it decoded it from JSON.
func (l *Loader) Init(config any) error {
	raw, err := abimap.Marshal(config)
	if err != nil {
		return fmt.Errorf("bifrost-wasm: the plugin entry's config cannot be read: %w", err)
	}
	var c Config
	if err := abimap.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("bifrost-wasm: the plugin entry's config is not {wasm, config, ...}: %w", err)
	}
	if c.Wasm == "" {
		return errors.New(`bifrost-wasm: the plugin entry's config has no "wasm" (the .wasm file to load)`)
	}
	wasm, err := os.ReadFile(c.Wasm)
	if err != nil {
		return fmt.Errorf("bifrost-wasm: cannot read %s: %w", c.Wasm, err)
	}
	if abimap.IsNull(c.Config) {
		c.Config = json.RawMessage("{}")
	}
	timeout := 30 * time.Second
	if c.HookTimeoutMs > 0 {
		timeout = time.Duration(c.HookTimeoutMs) * time.Millisecond
	} else if c.HookTimeoutMs < 0 {
		timeout = 0 // no limit: a hook that never returns blocks its request for ever
	}
	if c.PoolSize <= 0 {
		c.PoolSize = runtime.GOMAXPROCS(0)
	}
	p, err := engine.Load(context.Background(), wasm, engine.Options{
		Label:            c.Wasm,
		Config:           c.Config,
		FreePolicy:       engine.FreePolicy(c.FreePolicy),
		PoolSize:         c.PoolSize,
		HookTimeout:      timeout,
		MemoryLimitPages: c.MemoryLimitPages,
		Log:              func(line string) { fmt.Fprintf(os.Stderr, "[wasm %s] %s\n", c.Wasm, line) },
	})
	if err != nil {
		return fmt.Errorf("bifrost-wasm: %w", err)
	}
	l.plugin, l.name = p, p.Name()
	l.httpPre = first(p, "http_pre_hook", "http_intercept")
	l.httpPost = first(p, "http_post_hook")
	l.chunk = first(p, "http_stream_chunk_hook")
	l.pre = first(p, "pre_hook")
	l.post = first(p, "post_hook")
	return nil
}

func first(p *engine.Plugin, names ...string) string {
	for _, n := range names {
		if p.Has(n) {
			return n
		}
	}
	return ""
}

// GetName is the WASM plugin's get_name.
func (l *Loader) GetName() string {
	if l.plugin == nil {
		return DefaultName
	}
	return l.name
}

// Cleanup calls the plugin's cleanup and releases it.
func (l *Loader) Cleanup() error {
	if l.plugin == nil {
		return nil
	}
	code, err := l.plugin.Cleanup(context.Background())
	closeErr := l.plugin.Close(context.Background())
	if err != nil {
		return fmt.Errorf("plugin %q cleanup: %w", l.name, err)
	}
	if code != 0 {
		return fmt.Errorf("plugin %q cleanup returned %d", l.name, code)
	}
	return closeErr
}

// trace, from BIFROST_WASM_TRACE=1, writes every hook's input and output to stderr.
var trace = os.Getenv("BIFROST_WASM_TRACE") == "1"

// call runs a hook with a JSON input and decodes its JSON output.
func (l *Loader) call(hook string, in any, out any) error {
	input, err := abimap.Marshal(in)
	if err != nil {
		return fmt.Errorf("plugin %q %s: the input cannot be written: %w", l.name, hook, err)
	}
	res, err := l.plugin.Call(context.Background(), hook, input)
	if err != nil {
		err = failed(l.name, hook, err)
	}
	if trace {
		fmt.Fprintf(os.Stderr, "[bifrost-wasm %s] %s in: %s\n[bifrost-wasm %s] %s out: %s (%v)\n", l.name, hook, input, l.name, hook, res.Output, err)
	}
	if err != nil {
		return err
	}
	if err := abimap.Unmarshal(res.Output, out); err != nil {
		return fmt.Errorf("plugin %q %s answered invalid JSON: %w", l.name, hook, err)
	}
	return nil
}

func applyContext(ctx *schemas.BifrostContext, sent abimap.Context, out map[string]json.RawMessage) {
	for k, v := range sent.Changes(out) {
		ctx.SetValue(schemas.BifrostContextKey(k), v)
	}
}

// failed words a failed hook call as the local gateway does, capital
// included: it is the message a client reads.
func failed(plugin, hook string, err error) error {
	//lint:ignore ST1005 the client reads this message; it is worded as the local gateway's
	return fmt.Errorf("Plugin %q failed in %s: %w", plugin, hook, err)
}

// pluginError is the error a failed call becomes where Bifrost wants a
// BifrostError: 500, type plugin_error, no fallbacks.
func (l *Loader) pluginError(hook string, err error) *schemas.BifrostError {
	if !strings.HasPrefix(err.Error(), "Plugin ") {
		err = failed(l.name, hook, err)
	}
	status, kind, no := 500, "plugin_error", false
	return &schemas.BifrostError{
		StatusCode:     &status,
		Error:          &schemas.ErrorField{Type: &kind, Message: err.Error()},
		AllowFallbacks: &no,
	}
}

func decodeError(raw json.RawMessage) (*schemas.BifrostError, error) {
	var e schemas.BifrostError
	if err := abimap.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	e.AllowFallbacks = abimap.AllowFallbacks(raw)
	if e.Error == nil {
		e.Error = &schemas.ErrorField{}
	}
	return &e, nil
}

func encodeError(e *schemas.BifrostError) (json.RawMessage, error) {
	data, err := abimap.Marshal(e)
	if err != nil {
		return nil, err
	}
	return abimap.ErrorJSON(data, e.AllowFallbacks), nil
}

// HTTPTransportPreHook runs http_pre_hook (or the legacy http_intercept).
func (l *Loader) HTTPTransportPreHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest) (*schemas.HTTPResponse, error) {
	if l.httpPre == "" || l.plugin == nil {
		return nil, nil
	}
	sent := abimap.EncodeContext(ctx.GetUserValues())
	reqJSON, err := abimap.Marshal(req)
	if err != nil {
		return nil, err
	}
	var out abimap.HTTPPreHookOutput
	if err := l.call(l.httpPre, abimap.HTTPPreHookInput{Context: sent.JSON, Request: reqJSON}, &out); err != nil {
		return nil, err
	}
	applyContext(ctx, sent, out.Context)
	if out.Error != "" {
		return nil, errors.New(out.Error)
	}
	if out.HasResponse && !abimap.IsNull(out.Response) {
		var r abimap.HTTPResponse
		if err := abimap.Unmarshal(out.Response, &r); err != nil {
			return nil, fmt.Errorf("plugin %q %s: its response: %w", l.name, l.httpPre, err)
		}
		if r.StatusCode == 0 {
			r.StatusCode = 200
		}
		return &schemas.HTTPResponse{StatusCode: r.StatusCode, Headers: r.Headers, Body: r.Body}, nil
	}
	if abimap.IsEmpty(out.Request) {
		return nil, nil
	}
	var r abimap.HTTPRequest
	if err := abimap.Unmarshal(out.Request, &r); err != nil {
		return nil, fmt.Errorf("plugin %q %s: its request: %w", l.name, l.httpPre, err)
	}
	// A changed method or path goes to Bifrost as it is: its transport refuses it (409).
	if r.Method != "" {
		req.Method = r.Method
	}
	if r.Path != "" {
		req.Path = r.Path
	}
	if req.Headers == nil && len(r.Headers) > 0 {
		req.Headers = map[string]string{}
	}
	for k, v := range r.Headers {
		req.Headers[k] = v
	}
	if req.Query == nil && len(r.Query) > 0 {
		req.Query = map[string]string{}
	}
	for k, v := range r.Query {
		req.Query[k] = v
	}
	if r.Body != nil {
		req.Body = r.Body
	}
	return nil, nil
}

// HTTPTransportPostHook runs http_post_hook.
func (l *Loader) HTTPTransportPostHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest, resp *schemas.HTTPResponse) error {
	if l.httpPost == "" || l.plugin == nil {
		return nil
	}
	sent := abimap.EncodeContext(ctx.GetUserValues())
	reqJSON, err := abimap.Marshal(req)
	if err != nil {
		return err
	}
	respJSON, err := abimap.Marshal(resp)
	if err != nil {
		return err
	}
	var out abimap.HTTPPostHookOutput
	if err := l.call(l.httpPost, abimap.HTTPPostHookInput{Context: sent.JSON, Request: reqJSON, Response: respJSON}, &out); err != nil {
		return err
	}
	applyContext(ctx, sent, out.Context)
	if out.Error != "" {
		return errors.New(out.Error)
	}
	if abimap.IsEmpty(out.Response) || resp == nil {
		return nil
	}
	var r abimap.HTTPResponse
	if err := abimap.Unmarshal(out.Response, &r); err != nil {
		return fmt.Errorf("plugin %q %s: its response: %w", l.name, l.httpPost, err)
	}
	if r.StatusCode != 0 {
		resp.StatusCode = r.StatusCode
	}
	if resp.Headers == nil && len(r.Headers) > 0 {
		resp.Headers = map[string]string{}
	}
	for k, v := range r.Headers {
		resp.Headers[k] = v
	}
	if r.Body != nil {
		resp.Body = r.Body
	}
	return nil
}

// HTTPTransportStreamChunkHook runs http_stream_chunk_hook on one chunk:
// skip or has_chunk false drops it (nil chunk), an error goes to Bifrost
// with the chunk (or without it when dropped).
func (l *Loader) HTTPTransportStreamChunkHook(ctx *schemas.BifrostContext, req *schemas.HTTPRequest, chunk *schemas.BifrostStreamChunk) (*schemas.BifrostStreamChunk, error) {
	if l.chunk == "" || l.plugin == nil || chunk == nil {
		return chunk, nil
	}
	sent := abimap.EncodeContext(ctx.GetUserValues())
	reqJSON, err := abimap.Marshal(req)
	if err != nil {
		return nil, err
	}
	chunkJSON, member, err := abimap.EncodeMember(chunk)
	if err != nil {
		return nil, err
	}
	var out abimap.ChunkHookOutput
	if err := l.call(l.chunk, abimap.ChunkHookInput{Context: sent.JSON, Request: reqJSON, Chunk: chunkJSON}, &out); err != nil {
		return nil, err
	}
	applyContext(ctx, sent, out.Context)
	var hookErr error
	if out.Error != "" {
		hookErr = errors.New(out.Error)
	}
	if out.Drops() {
		return nil, hookErr
	}
	if abimap.IsEmpty(out.Chunk) || member == "" {
		return chunk, hookErr
	}
	next := &schemas.BifrostStreamChunk{}
	if err := abimap.NewMember(out.Chunk, next, member); err != nil {
		return nil, fmt.Errorf("plugin %q %s: %w", l.name, l.chunk, err)
	}
	return next, hookErr
}

// PreLLMHook runs pre_hook: the request's one kind, flat; a changed request
// replaces it; a short-circuit answers with its response or error.
func (l *Loader) PreLLMHook(ctx *schemas.BifrostContext, req *schemas.BifrostRequest) (*schemas.BifrostRequest, *schemas.LLMPluginShortCircuit, error) {
	if l.pre == "" || l.plugin == nil {
		return req, nil, nil
	}
	sent := abimap.EncodeContext(ctx.GetUserValues())
	reqJSON, member, err := abimap.EncodeMember(req)
	if err != nil {
		return req, &schemas.LLMPluginShortCircuit{Error: l.pluginError(l.pre, err)}, nil
	}
	reqJSON = abimap.WithRequestType(reqJSON, string(req.RequestType))
	var out abimap.PreHookOutput
	if err := l.call(l.pre, abimap.PreHookInput{Context: sent.JSON, Request: reqJSON}, &out); err != nil {
		return req, &schemas.LLMPluginShortCircuit{Error: l.pluginError(l.pre, err)}, nil
	}
	applyContext(ctx, sent, out.Context)
	var hookErr error
	if out.Error != "" {
		hookErr = errors.New(out.Error)
	}
	if !abimap.IsEmpty(out.Request) && member != "" {
		next := *req
		if err := abimap.DecodeMember(out.Request, &next, member); err != nil {
			return req, &schemas.LLMPluginShortCircuit{Error: l.pluginError(l.pre, err)}, nil
		}
		req = &next
	}
	if out.HasShortCircuit && out.ShortCircuit != nil {
		sc := out.ShortCircuit
		if !abimap.IsEmpty(sc.Error) {
			e, err := decodeError(sc.Error)
			if err != nil {
				e = l.pluginError(l.pre, fmt.Errorf("its short-circuit error: %w", err))
			}
			return req, &schemas.LLMPluginShortCircuit{Error: e}, hookErr
		}
		if !abimap.IsEmpty(sc.Response) {
			resp := &schemas.BifrostResponse{}
			if err := abimap.DecodeEnvelope(sc.Response, resp); err != nil {
				return req, &schemas.LLMPluginShortCircuit{Error: l.pluginError(l.pre, err)}, nil
			}
			return req, &schemas.LLMPluginShortCircuit{Response: resp}, hookErr
		}
	}
	return req, nil, hookErr
}

// PostLLMHook runs post_hook on a response (a whole answer or one streamed
// chunk) or an error: has_error with an error replaces the outcome with it,
// a response replaces the response (recovering from an error), hook_error
// goes to Bifrost as the hook's own error.
func (l *Loader) PostLLMHook(ctx *schemas.BifrostContext, resp *schemas.BifrostResponse, bifrostErr *schemas.BifrostError) (*schemas.BifrostResponse, *schemas.BifrostError, error) {
	if l.post == "" || l.plugin == nil {
		return resp, bifrostErr, nil
	}
	sent := abimap.EncodeContext(ctx.GetUserValues())
	in := abimap.PostHookInput{Context: sent.JSON, Response: json.RawMessage("null"), Error: json.RawMessage("{}")}
	var err error
	if resp != nil {
		if in.Response, err = abimap.EncodeEnvelope(resp); err != nil {
			return nil, l.pluginError(l.post, err), nil
		}
	}
	if bifrostErr != nil {
		in.HasError = true
		if in.Error, err = encodeError(bifrostErr); err != nil {
			return nil, l.pluginError(l.post, err), nil
		}
	}
	var out abimap.PostHookOutput
	if err := l.call(l.post, in, &out); err != nil {
		return nil, l.pluginError(l.post, err), nil
	}
	applyContext(ctx, sent, out.Context)
	var hookErr error
	if out.HookError != "" {
		hookErr = errors.New(out.HookError)
	}
	if out.HasError && !abimap.IsEmpty(out.Error) {
		e, err := decodeError(out.Error)
		if err != nil {
			return nil, l.pluginError(l.post, fmt.Errorf("its error: %w", err)), nil
		}
		return nil, e, hookErr
	}
	if !abimap.IsEmpty(out.Response) {
		next := &schemas.BifrostResponse{}
		if err := abimap.DecodeEnvelope(out.Response, next); err != nil {
			return nil, l.pluginError(l.post, err), nil
		}
		return next, nil, hookErr
	}
	return resp, bifrostErr, hookErr
}
