#!/bin/sh
# Installs Debian's Rust toolchain for wasm32-unknown-unknown, what the Rust
# test plugin (testdata/rust-plugin/) builds with: rustc and cargo, the
# standard library for wasm32 (libstd-rust-dev-wasm32), lld (wasm-ld), and
# serde, serde_derive and serde_json from Debian's vendored crate registry
# (/usr/share/cargo/registry), so cargo builds offline. No rustup: Debian's
# packages are the whole toolchain. Idempotent: installs only what is missing
# and runs `apt-get update` only when a package is missing.
set -eu

PACKAGES="rustc cargo libstd-rust-dev-wasm32 lld librust-serde-dev librust-serde-derive-dev librust-serde-json-dev"

need=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done

if [ -z "$need" ]; then
  echo "Rust toolchain already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $need
echo "Installed:$need"
