// Command entrypoint starts the open-source Bifrost HTTP server in the
// localhost/bifrost-as-bifrost image the way Bifrost's own image starts it
// (APP_DIR, APP_PORT, APP_HOST, LOG_LEVEL, LOG_STYLE; -port and -host on
// the command line), after turning config.json's WASM plugin entries into
// entries for bifrost-as's WASM loader, so a config written for a
// WASM-capable (Enterprise) Bifrost works unchanged.
//
// An enabled plugin entry whose path is a .wasm file gets the n-th loader
// slot as its path and {"wasm": <its path>, "config": <its config>} as its
// config; every other field and entry stays as it was. A disabled WASM
// entry is left out (the open-source server would try to open the .wasm as
// a Go plugin). The user's config.json is never written: when something
// changed, the server runs on a private app dir (/app/run) holding the new
// config.json and a link to every other entry of APP_DIR (existing
// databases and the logs folder among them; files Bifrost creates anew land
// in /app/run). Without WASM entries the server runs on APP_DIR itself,
// exactly as in Bifrost's image.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Where the image keeps the server and the loader slots.
const (
	serverPath = "/app/main"
	slotsGlob  = "/app/bifrost-as/bifrost-wasm-*.so"
	runDir     = "/app/run"
)

// Rewritten is what Rewrite did to a config.json.
type Rewritten struct {
	// Config is the new config.json (nil when nothing changed).
	Config []byte
	// Lines says what changed, one line per plugin entry touched.
	Lines []string
}

// Rewrite turns every enabled plugin entry of config whose path ends in
// .wasm into an entry of the next loader slot; relative .wasm paths are
// read from appDir. It fails with one line when there are more WASM entries
// than slots, or when a WASM entry's path is a URL.
func Rewrite(config []byte, appDir string, slots []string) (Rewritten, error) {
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return Rewritten{}, fmt.Errorf("config.json is not a JSON object: %w", err)
	}
	raw, ok := root["plugins"]
	if !ok || raw == nil {
		return Rewritten{}, nil
	}
	plugins, ok := raw.([]any)
	if !ok {
		return Rewritten{}, errors.New(`config.json's "plugins" is not a list`)
	}
	var out Rewritten
	kept := make([]any, 0, len(plugins))
	used := 0
	for i, p := range plugins {
		entry, ok := p.(map[string]any)
		path, _ := entry["path"].(string)
		if !ok || !strings.HasSuffix(strings.ToLower(strings.TrimSpace(path)), ".wasm") {
			kept = append(kept, p)
			continue
		}
		name, _ := entry["name"].(string)
		if name == "" {
			name = fmt.Sprintf("plugins[%d]", i)
		}
		if strings.Contains(path, "://") {
			return Rewritten{}, fmt.Errorf("plugin %q: path %q is a URL: this image loads .wasm files only (copy or mount it into the image)", name, path)
		}
		if enabled, _ := entry["enabled"].(bool); !enabled {
			out.Lines = append(out.Lines, fmt.Sprintf("plugin %q (%s) is disabled: left out", name, path))
			continue
		}
		if used == len(slots) {
			return Rewritten{}, fmt.Errorf("config.json enables more WASM plugins than the %d loader slots of this image (%q is one too many)", len(slots), name)
		}
		wasm := path
		if !filepath.IsAbs(wasm) {
			wasm = filepath.Join(appDir, wasm)
		}
		loaderConfig := map[string]any{"wasm": wasm}
		if c, ok := entry["config"]; ok && c != nil {
			loaderConfig["config"] = c
		}
		next := make(map[string]any, len(entry))
		for k, v := range entry {
			next[k] = v
		}
		next["path"] = slots[used]
		next["config"] = loaderConfig
		out.Lines = append(out.Lines, fmt.Sprintf("plugin %q: %s through the WASM loader %s", name, wasm, slots[used]))
		used++
		kept = append(kept, next)
	}
	if len(out.Lines) == 0 {
		return out, nil
	}
	root["plugins"] = kept
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return Rewritten{}, err
	}
	out.Config = append(b, '\n')
	return out, nil
}

// prepareRunDir fills dir with config and a link to every other entry of appDir.
func prepareRunDir(dir, appDir string, config []byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(appDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "config.json" {
			continue
		}
		if err := os.Symlink(filepath.Join(appDir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), config, 0o644)
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// serverArgs is the server's command line, as Bifrost's docker-entrypoint.sh
// builds it; -port/--port and -host/--host given to the image override
// APP_PORT and APP_HOST, and other arguments are passed on.
func serverArgs(appDir string, args []string) ([]string, error) {
	port, host := env("APP_PORT", "8080"), env("APP_HOST", "0.0.0.0")
	var rest []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-port", "--port", "-host", "--host":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value", args[i])
			}
			if strings.HasSuffix(args[i], "port") {
				port = args[i+1]
			} else {
				host = args[i+1]
			}
			i++
		default:
			rest = append(rest, args[i])
		}
	}
	return append([]string{serverPath, "-app-dir", appDir, "-port", port, "-host", host,
		"-log-level", env("LOG_LEVEL", "info"), "-log-style", env("LOG_STYLE", "json")}, rest...), nil
}

func run(args []string) error {
	appDir := env("APP_DIR", "/app/data")
	slots, err := filepath.Glob(slotsGlob)
	if err != nil {
		return err
	}
	dir := appDir
	config, err := os.ReadFile(filepath.Join(appDir, "config.json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(os.Stderr, "bifrost-as: no %s/config.json: Bifrost starts with its defaults\n", appDir)
	case err != nil:
		return err
	default:
		r, err := Rewrite(config, appDir, slots)
		if err != nil {
			return err
		}
		for _, line := range r.Lines {
			fmt.Fprintf(os.Stderr, "bifrost-as: %s\n", line)
		}
		if r.Config != nil {
			if err := prepareRunDir(runDir, appDir, r.Config); err != nil {
				return fmt.Errorf("cannot write %s: %w", runDir, err)
			}
			dir = runDir
			fmt.Fprintf(os.Stderr, "bifrost-as: Bifrost runs on %s (config.json with the loader entries, links to %s)\n", runDir, appDir)
		}
	}
	argv, err := serverArgs(dir, args)
	if err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	return syscall.Exec(argv[0], argv, os.Environ())
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "bifrost-as: error: %v\n", err)
		os.Exit(1)
	}
}
