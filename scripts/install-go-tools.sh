#!/bin/sh
# Installs what the Go engine's checks need beside Go itself (go/): wabt's
# wat2wasm, so the test that compares go/engine/testdata/*.wat with the
# committed .wasm runs. staticcheck comes from the Go module proxy at check
# time (scripts/go_test.sh). Idempotent: installs only what is missing.
set -eu
. "$(dirname "$0")/_apt_install.sh"

# Go's official install, when no profile put it on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: the Go engine (go/) needs Go 1.26 and the Go module proxy" >&2
  exit 1
fi
need=""
command -v wat2wasm >/dev/null 2>&1 || need="wabt"
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt_install "wabt (wat2wasm)" $need
