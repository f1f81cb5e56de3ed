#!/bin/sh
# Installs Debian's Rust toolchain for wasm32-unknown-unknown and wasm32-wasi, what the Rust
# test plugin (testdata/rust-plugin/) builds with: rustc and cargo, the
# standard library for wasm32 (libstd-rust-dev-wasm32), lld (wasm-ld), and
# serde, serde_derive and serde_json from Debian's vendored crate registry
# (/usr/share/cargo/registry), so cargo builds offline. No rustup: Debian's
# packages are the whole toolchain. Idempotent: installs only what is missing
# and runs `apt-get update` only when a package is missing.
set -eu
. "$(dirname "$0")/_apt_install.sh"

need=""
for p in rustc cargo libstd-rust-dev-wasm32 lld librust-serde-dev librust-serde-derive-dev librust-serde-json-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done

# shellcheck disable=SC2086 # word splitting of the package list is intended
apt_install "Rust toolchain" $need
