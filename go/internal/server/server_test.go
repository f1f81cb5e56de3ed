package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func wasm(t *testing.T, name string) string { return wasmBytes(t, name) }

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// callRequest is a call: its line, then its input's bytes.
type callRequest struct{ hook, input string }

// frames writes requests as the host does: a line each, a call's input after its line.
func frames(requests ...any) *bytes.Buffer {
	var in bytes.Buffer
	for _, r := range requests {
		if c, ok := r.(callRequest); ok {
			in.Write(mustJSON(map[string]any{"type": "call", "hook": c.hook, "bytes": len(c.input)}))
			in.WriteString("\n" + c.input)
			continue
		}
		in.Write(append(mustJSON(r), '\n'))
	}
	return &in
}

// replies reads the reply frames: each line, and after a result with output, "output: " and the output.
func replies(t *testing.T, out *bytes.Buffer) []string {
	t.Helper()
	var got []string
	for out.Len() > 0 {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("a reply without its newline: %q", line)
		}
		got = append(got, strings.TrimSuffix(line, "\n"))
		var r struct {
			Type  string
			Bytes *int
		}
		if json.Unmarshal([]byte(line), &r) == nil && r.Type == "result" && r.Bytes != nil {
			if out.Len() < *r.Bytes {
				t.Fatalf("a result announces %d bytes, %d follow", *r.Bytes, out.Len())
			}
			got = append(got, "output: "+string(out.Next(*r.Bytes)))
		}
	}
	return got
}

// serve runs the requests through a Server and returns the replies.
func serve(t *testing.T, requests ...any) []string {
	t.Helper()
	var out bytes.Buffer
	if err := (&Server{}).Serve(context.Background(), frames(requests...), &out); err != nil {
		t.Fatal(err)
	}
	return replies(t, &out)
}

func load(name string, extra map[string]any) map[string]any {
	o := map[string]any{"label": name + ".wasm", "config": "{}", "freePolicy": "both", "functionNames": []any{}, "timeHook": false}
	for k, v := range extra {
		o[k] = v
	}
	return map[string]any{"type": "load", "options": o}
}

func call(hook, input string) callRequest { return callRequest{hook, input} }

func TestProtocol(t *testing.T) {
	for _, tc := range []struct {
		name     string
		requests []any
		want     []string // each reply line, or a prefix ending in "*", or a suffix after a "*"
	}{
		{"no plugin", []any{call("pre_hook", "{}")}, []string{`{"type":"error","error":{"name":"Error","message":"host worker: no plugin loaded"}}`}},
		{"echo", []any{load("echo", map[string]any{"wasmBase64": ""}), call("pre_hook", `{"a":"é<>&"}`), call("http_intercept", ""), map[string]any{"type": "cleanup"}}, []string{
			`{"type":"loaded","name":"echo","pages":1}`,
			`{"type":"result","stats":{"durationUs":*`,
			`output: {"a":"é<>&"}`,
			`{"type":"result",*`,
			`output: 3`,
			`{"type":"cleanup","code":0}`,
		}},
		{"trap", []any{load("trap", nil), call("pre_hook", "{}"), call("post_hook", "{}")}, []string{
			`{"type":"loaded","name":"trap","pages":1}`,
			`{"type":"log","line":"host: re-instantiated plugin \"trap\" after: Plugin \"trap\" trapped in pre_hook: unreachable executed (an AssemblyScript abort or a Rust panic) in function \"abort\""}`,
			`{"type":"error","error":{"name":"PluginTrapError","message":"Plugin \"trap\" trapped in pre_hook: unreachable executed (an AssemblyScript abort or a Rust panic) in function \"abort\"","hook":"pre_hook","kind":"unreachable","functionName":"abort"}}`,
			`{"type":"log","line":"host: re-instantiated plugin *`,
			`{"type":"error","error":{"name":"PluginTrapError","message":"Plugin \"trap\" trapped in post_hook: integer divide by zero in function \"post_hook\"","hook":"post_hook","kind":"divide_by_zero","functionName":"post_hook"}}`,
		}},
		{"timeout", []any{load("spin", map[string]any{"hookTimeoutMs": 250}), call("pre_hook", "{}"), call("post_hook", "ok")}, []string{
			`{"type":"loaded","name":"spin","pages":1}`,
			`{"type":"error","error":{"name":"PluginTimeoutError","message":"Plugin \"spin\" pre_hook ran past its 250 ms budget (the host stopped it)","hook":"pre_hook","timeoutMs":250}}`,
			`{"type":"result",*`,
			`output: ok`,
		}},
		{"memory", []any{load("oom", map[string]any{"memoryLimitPages": 4}), call("pre_hook", "{}")}, []string{
			`{"type":"loaded","name":"oom","pages":1}`,
			`{"type":"log","line":"host: re-instantiated *`,
			`{"type":"error","error":{"name":"PluginMemoryError","message":"Plugin \"oom\" ran out of memory in pre_hook: unreachable executed in function \"grow\" (its memory is at the 4-page limit)","hook":"pre_hook","kind":"out_of_memory","functionName":"grow","limitPages":4}}`,
		}},
		{"contract", []any{load("badptr", nil), call("pre_hook", "{}"), load("malloc0", nil), call("pre_hook", "{}")}, []string{
			`{"type":"loaded","name":"badptr","pages":1}`,
			`{"type":"error","error":{"name":"PluginContractError","message":"Plugin \"badptr\" pre_hook returned pointer 1048576 and length 16, outside its 65536-byte memory","hook":"pre_hook","violations":["returned pointer 1048576 and length 16, outside its 65536-byte memory"]}}`,
			`{"type":"loaded","name":"malloc0","pages":1}`,
			`{"type":"error","error":{"name":"PluginContractError","message":"Plugin \"malloc0\" cannot take the pre_hook input: malloc(2) returned 0","hook":"pre_hook","violations":["malloc(2) returned 0"]}}`,
		}},
		{"invalid utf-8 and a 0 return", []any{load("echo", nil), call("pre_hook", "x"), load("free2", nil), call("http_pre_hook", "{}")}, []string{
			`{"type":"loaded","name":"echo","pages":1}`,
			`*"bytes":1}`,
			`output: x`,
			`{"type":"loaded","name":"free2","pages":1}`,
			`*"bytes":null}`,
		}},
		{"load errors", []any{load("initfail", nil), map[string]any{"type": "load", "options": map[string]any{"label": "x.wasm", "wasmBase64": "AAAA"}}}, []string{
			`{"type":"error","error":{"name":"PluginError","message":"Cannot load plugin \"initfail.wasm\": init returned 2: mock_models must be a list"}}`,
			`{"type":"error","error":{"name":"PluginError","message":"Cannot load plugin \"x.wasm\": invalid magic number"}}`,
		}},
		{"logs", []any{load("stdout", nil), call("pre_hook", "{}")}, []string{
			`{"type":"log","line":"init log"}`,
			`{"type":"loaded","name":"stdout","pages":1}`,
			`{"type":"log","line":"hello from pre_hook"}`,
			`{"type":"log","line":"partial"}`,
			`{"type":"result",*`,
			`output: *`,
		}},
		{"bench", []any{load("echo", nil), map[string]any{"type": "floor", "hook": "pre_hook", "input": `{"request":{"model":"m"}}`, "iterations": 10},
			map[string]any{"type": "throughput", "hook": "pre_hook", "input": "{}", "goroutines": 2, "durationMs": 50}}, []string{
			`{"type":"loaded","name":"echo","pages":1}`,
			`{"type":"floor","sonicNs":*`,
			`{"type":"throughput","calls":*`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range tc.requests {
				if m, ok := r.(map[string]any); ok && m["type"] == "load" {
					o := m["options"].(map[string]any)
					if _, set := o["wasmBase64"]; !set || o["wasmBase64"] == "" {
						o["wasmBase64"] = wasm(t, strings.TrimSuffix(o["label"].(string), ".wasm"))
					}
				}
			}
			got := serve(t, tc.requests...)
			if len(got) != len(tc.want) {
				t.Fatalf("%d replies, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if p, ok := strings.CutSuffix(w, "*"); ok && strings.HasPrefix(got[i], p) || got[i] == w {
					continue
				}
				if p, ok := strings.CutPrefix(w, "*"); ok && strings.HasSuffix(got[i], p) {
					continue
				}
				t.Errorf("reply %d\n got %s\nwant %s", i, got[i], w)
			}
		})
	}
}

func TestInvalidUTF8Output(t *testing.T) {
	// packed.wasm answers the first 8 bytes of its input as ptr<<32|len; the input lands at 1024, so this points
	// at the second byte of its "é" (0xa9, a continuation byte): one byte of invalid UTF-8.
	input := "\x01\x00\x00\x00\x09\x04\x00\x00é"
	got := serve(t, load("packed", map[string]any{"wasmBase64": wasm(t, "packed")}), call("pre_hook", input))
	want := `{"type":"error","error":{"name":"PluginContractError","message":"Plugin \"packed\" pre_hook returned invalid UTF-8 (byte 0: 0xa9)","hook":"pre_hook","violations":["returned invalid UTF-8 (byte 0: 0xa9)"]}}`
	if len(got) != 2 || got[1] != want {
		t.Fatalf("got %q", got)
	}
}

// A large input and output cross as raw bytes, unescaped; a stream that ends inside an input fails the call
// (the plugin read it into its memory) and ends the server with an error.
func TestLargeAndTruncatedPayloads(t *testing.T) {
	big := `{"s":"` + strings.Repeat("\"é", 5<<20) + `"}`
	got := serve(t, load("echo", map[string]any{"wasmBase64": wasm(t, "echo")}), call("pre_hook", big))
	if len(got) != 3 || got[2] != "output: "+big {
		t.Fatalf("%d replies; the output is not the %d-byte input: %.300q", len(got), len(big), got)
	}
	in := frames(load("echo", map[string]any{"wasmBase64": wasm(t, "echo")}))
	in.WriteString(`{"type":"call","hook":"pre_hook","bytes":10}` + "\n{}")
	var out bytes.Buffer
	err := (&Server{}).Serve(context.Background(), in, &out)
	if err == nil || !strings.Contains(err.Error(), "reading a 10-byte call input") {
		t.Fatalf("err = %v", err)
	}
	if r := replies(t, &out); len(r) != 2 || !strings.Contains(r[1], "reading the pre_hook input: unexpected EOF") {
		t.Fatalf("replies after a truncated input: %q", r)
	}
	err = (&Server{}).Serve(context.Background(), strings.NewReader(`{"type":"call","hook":"pre_hook","bytes":-1}`+"\n"), &out)
	if err == nil || !strings.Contains(err.Error(), "announces -1 bytes") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzRequest: any request line gets exactly one final reply (logs aside), a JSON line, and the server goes on;
// or, for a call whose input cannot be read, an error, and at most that one reply.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"type":"call","hook":"pre_hook","bytes":2}`, `{"type":"cleanup"}`, `{"type":"load"}`, `{"type":"call"}`,
		`{"type":"call","hook":"http_intercept","bytes":100000}`, `{"type":"nope"}`, `[]`, `"x"`, `{"type":"load","options":{"wasmBase64":"AGFzbQ=="}}`,
	} {
		f.Add([]byte(s))
	}
	s := &Server{}
	var out bytes.Buffer
	s.out = bufioWriter(&out)
	s.enc = newEncoder(s.out)
	echo := mustJSON(load("echo", map[string]any{"wasmBase64": wasmBytes(f, "echo")}))
	f.Fuzz(func(t *testing.T, line []byte) {
		var probe struct{ Type string }
		if json.Unmarshal(line, &probe) == nil && (probe.Type == "floor" || probe.Type == "throughput") {
			return // timed requests: covered by TestProtocol
		}
		out.Reset()
		_ = s.handle(context.Background(), echo, nil)
		out.Reset()
		// Whatever a call announces, 64 bytes of input are there to read.
		err := s.handle(context.Background(), line, bytes.NewReader(bytes.Repeat([]byte("{}"), 32)))
		_ = s.out.Flush()
		finals := 0
		for _, l := range replies(t, &out) {
			if strings.HasPrefix(l, "output: ") {
				continue
			}
			var r struct{ Type string }
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("reply is not JSON: %q", l)
			}
			if r.Type != "log" {
				finals++
			}
		}
		if finals != 1 && (err == nil || finals != 0) {
			t.Fatalf("%d final replies to %q (%v): %s", finals, line, err, out.String())
		}
	})
}

func wasmBytes(tb testing.TB, name string) string {
	b, err := os.ReadFile("../../engine/testdata/" + name + ".wasm")
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
