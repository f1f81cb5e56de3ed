#!/bin/sh
# Compiles every test plugin's text format to the binary format wazero reads (wat2wasm is in Debian's wabt).
set -e
cd "$(dirname "$0")"
for f in *.wat; do wat2wasm --debug-names "$f" -o "${f%.wat}.wasm"; done
