#!/bin/sh
# The Go engine's tests (go/): `go vet` and `go test ./...`; with --ci also
# gofmt, vet of the build without sonic, staticcheck and the race detector. Ends with one line
# "N passed, N failed, N skipped" counting every test, subtest and check.
# Without Go it says so and succeeds, so `npm test` works on a machine
# without Go. The plugins the tests load (build/hello-world.wasm,
# build/rust-plugin*.wasm) are skipped, with the reason, when not built.
set -u
cd "$(dirname "$0")/../go"
# Go's official install, when no profile put it on PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="/usr/local/go/bin:$PATH"; fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed: the Go tests (go/) did not run"
  exit 0
fi
ci=""
[ "${1:-}" = "--ci" ] && ci=1
STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0 failed=0

check() { # check NAME COMMAND...: one passed or failed check
  name=$1
  shift
  echo "--- $name: $*"
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}
unformatted() { out=$(gofmt -l .) && [ -z "$out" ] || { echo "not gofmt-formatted: $out"; return 1; }; }

[ -n "$ci" ] && check gofmt unformatted
check "go vet" go vet ./...
[ -n "$ci" ] && check "go vet -tags nosonic" go vet -tags nosonic ./...
[ -n "$ci" ] && check staticcheck go run "$STATICCHECK" ./...

race=""
[ -n "$ci" ] && race="-race"
echo "--- go test $race -v ./..."
# shellcheck disable=SC2086 # $race is one flag or none
go test $race -v -count=1 ./... >"$log" 2>&1
rc=$?
grep -vE '^=== (RUN|PAUSE|CONT|NAME)' "$log" | grep -vE '^\s*--- PASS' | grep -v '^    [a-z_]*_test.go:[0-9]*: [0-9]* goroutines$'
tests_passed=$(grep -cE '^\s*--- PASS:' "$log")
tests_failed=$(grep -cE '^\s*--- FAIL:' "$log")
skipped=$(grep -cE '^\s*--- SKIP:' "$log")
build_failed=$(grep -cE '^FAIL\s.*\[(build|setup) failed\]' "$log")
tests_failed=$((tests_failed + build_failed))
# A crash (a panic, a timeout) can end a package without a "--- FAIL" line: count it once.
if [ $rc -ne 0 ] && [ "$tests_failed" -eq 0 ]; then tests_failed=1; fi
passed=$((passed + tests_passed))
failed=$((failed + tests_failed))
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
