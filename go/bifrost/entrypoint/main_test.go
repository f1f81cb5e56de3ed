package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var slots = []string{"/app/bifrost-as/bifrost-wasm-1.so", "/app/bifrost-as/bifrost-wasm-2.so"}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func TestRewriteWasmEntries(t *testing.T) {
	in := `{
  "client": {"max_request_body_size_mb": 100},
  "plugins": [
    {"enabled": true, "name": "hello", "path": "/app/plugins/hello.wasm", "config": {"custom_option": "value"}},
    {"enabled": true, "name": "otel", "config": {"service_name": "x"}},
    {"enabled": false, "name": "off", "path": "/app/plugins/off.wasm"},
    {"enabled": true, "name": "go-plugin", "path": "/app/plugins/mine.so"},
    {"enabled": true, "name": "trap", "path": "plugins/trap.WASM", "placement": "pre_builtin"}
  ]
}`
	r, err := Rewrite([]byte(in), "/app/data", slots)
	if err != nil {
		t.Fatal(err)
	}
	got := decode(t, r.Config)
	want := decode(t, []byte(`{
  "client": {"max_request_body_size_mb": 100},
  "plugins": [
    {"enabled": true, "name": "hello", "path": "/app/bifrost-as/bifrost-wasm-1.so",
     "config": {"wasm": "/app/plugins/hello.wasm", "config": {"custom_option": "value"}}},
    {"enabled": true, "name": "otel", "config": {"service_name": "x"}},
    {"enabled": true, "name": "go-plugin", "path": "/app/plugins/mine.so"},
    {"enabled": true, "name": "trap", "path": "/app/bifrost-as/bifrost-wasm-2.so", "placement": "pre_builtin",
     "config": {"wasm": "/app/data/plugins/trap.WASM"}}
  ]
}`))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s", r.Config)
	}
	if len(r.Lines) != 3 || !strings.Contains(r.Lines[1], `"off"`) || !strings.Contains(r.Lines[1], "disabled") {
		t.Fatalf("lines: %q", r.Lines)
	}
	// Numbers keep their text (no float64 round trip).
	big := `{"plugins": [{"enabled": true, "name": "a", "path": "a.wasm", "config": {"n": 12345678901234567890}}]}`
	r, err = Rewrite([]byte(big), "/d", slots)
	if err != nil || !strings.Contains(string(r.Config), "12345678901234567890") {
		t.Fatalf("number changed: %v\n%s", err, r.Config)
	}
}

func TestRewriteLeavesOtherConfigsAlone(t *testing.T) {
	for _, in := range []string{`{}`, `{"plugins": null}`, `{"plugins": [{"enabled": true, "name": "x", "path": "/x.so"}]}`} {
		r, err := Rewrite([]byte(in), "/app/data", slots)
		if err != nil || r.Config != nil || len(r.Lines) != 0 {
			t.Fatalf("%s: %v %s %q", in, err, r.Config, r.Lines)
		}
	}
}

func TestRewriteErrors(t *testing.T) {
	three := `{"plugins": [` +
		`{"enabled": true, "name": "a", "path": "a.wasm"},` +
		`{"enabled": true, "name": "b", "path": "b.wasm"},` +
		`{"enabled": true, "name": "c", "path": "c.wasm"}]}`
	for in, want := range map[string]string{
		three: `more WASM plugins than the 2 loader slots of this image ("c" is one too many)`,
		`{"plugins": [{"enabled": true, "name": "u", "path": "https://example.com/u.wasm"}]}`: "is a URL",
		`{"plugins": {}}`: `"plugins" is not a list`,
		`[1]`:             "not a JSON object",
	} {
		_, err := Rewrite([]byte(in), "/app/data", slots)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: got %v, want %q", in, err, want)
		}
	}
}

func TestServerArgs(t *testing.T) {
	t.Setenv("APP_PORT", "9000")
	t.Setenv("APP_HOST", "")
	t.Setenv("LOG_LEVEL", "debug")
	t.Setenv("LOG_STYLE", "pretty")
	got, err := serverArgs("/app/run", []string{"--host", "127.0.0.1", "-extra"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{serverPath, "-app-dir", "/app/run", "-port", "9000", "-host", "127.0.0.1",
		"-log-level", "debug", "-log-style", "pretty", "-extra"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if _, err := serverArgs("/d", []string{"-port"}); err == nil {
		t.Fatal("-port without a value was accepted")
	}
}

func TestPrepareRunDir(t *testing.T) {
	app, run := t.TempDir(), filepath.Join(t.TempDir(), "run")
	for _, f := range []string{"config.json", "pricing.json"} {
		if err := os.WriteFile(filepath.Join(app, f), []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := prepareRunDir(run, app, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(run, "config.json")); string(b) != "new" {
		t.Fatalf("config.json: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(app, "config.json")); string(b) != "config.json" {
		t.Fatalf("the user's config.json changed: %q", b)
	}
	if target, err := os.Readlink(filepath.Join(run, "pricing.json")); err != nil || target != filepath.Join(app, "pricing.json") {
		t.Fatalf("pricing.json: %q %v", target, err)
	}
}
