package engine

// The test plugins in testdata/ are written in the text format and committed
// compiled too (wazero reads only the binary format); TestWatMatchesWasm
// checks that the two agree when wat2wasm (Debian package wabt) is installed.
//go:generate sh testdata/wat2wasm.sh
