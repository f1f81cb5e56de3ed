package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandLine builds the program and checks its flags: --version, --help, a bad flag (one line, exit 2), and
// a session over stdin and stdout that ends at EOF.
func TestCommandLine(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bifrost-as-engine")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args   []string
		stdin  string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"--version"}, "", 0, "bifrost-as-engine dev\n", ""},
		{[]string{"--help"}, "", 0, "Usage: bifrost-as-engine [--cache DIR]", ""},
		{[]string{"--bogus"}, "", 2, "", "bifrost-as-engine: flag provided but not defined: -bogus (see --help)\n"},
		{[]string{"extra"}, "", 2, "", "bifrost-as-engine: unexpected argument \"extra\" (see --help)\n"},
		{nil, `{"type":"cleanup"}` + "\n", 0, `{"type":"error","error":{"name":"Error","message":"host worker: no plugin loaded"}}` + "\n", ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdin = strings.NewReader(tc.stdin)
			cmd.Env = append(os.Environ(), "BIFROST_AS_ENGINE_CACHE="+t.TempDir())
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || !strings.HasPrefix(stdout.String(), tc.stdout) || stderr.String() != tc.stderr {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
		})
	}
}
