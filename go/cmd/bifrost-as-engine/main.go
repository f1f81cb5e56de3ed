// Command bifrost-as-engine runs a Bifrost WASM plugin on wazero, the
// engine Bifrost uses, driven over stdin and stdout by the protocol of
// bifrost-as's TypeScript host (lib/host/worker_protocol.ts).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bifrost-as/bifrost-as/go/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage: bifrost-as-engine [--cache DIR]

Runs one Bifrost WASM plugin on wazero, driven by bifrost-as over stdin and
stdout: one JSON request per line in, one JSON reply per line out, a call's
input and a result's output as raw bytes after their line (the protocol of
bifrost-as's lib/host/worker_protocol.ts, plus "floor" and "throughput"
benchmark requests). Not meant to be run by hand: bifrost-as
starts it for --engine wazero.

Options:
  --cache DIR   keep wazero's compiled code in DIR between runs
                (default: $BIFROST_AS_ENGINE_CACHE, else none)
  --version     print the version and exit
  --help        print this help and exit
`

func main() {
	os.Exit(run())
}

func run() int {
	flags := flag.NewFlagSet("bifrost-as-engine", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // errors are reported below, in one line
	cache := flags.String("cache", os.Getenv("BIFROST_AS_ENGINE_CACHE"), "")
	showVersion := flags.Bool("version", false, "")
	if err := flags.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			fmt.Print(usage)
			return 0
		}
		fmt.Fprintf(os.Stderr, "bifrost-as-engine: %v (see --help)\n", err)
		return 2
	}
	if *showVersion {
		fmt.Println("bifrost-as-engine", version)
		return 0
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bifrost-as-engine: unexpected argument %q (see --help)\n", flags.Arg(0))
		return 2
	}
	// No signal handling: SIGINT and SIGTERM end the process at once, even while a hook spins.
	s := &server.Server{CacheDir: *cache}
	if err := s.Serve(context.Background(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bifrost-as-engine:", err)
		return 1
	}
	return 0
}
