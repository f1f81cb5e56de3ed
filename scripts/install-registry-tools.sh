#!/bin/sh
# Installs what the OCI tests need: Debian's docker-registry (the registry the
# tests start on 127.0.0.1), skopeo (the third-party client they check our
# output with), apache2-utils (htpasswd, for bcrypt password files) and
# openssl (the token issuer's certificate). Idempotent: installs only what is
# missing and runs `apt-get update` only when a package is missing.
set -eu
. "$(dirname "$0")/_apt_install.sh"

need=""
command -v docker-registry >/dev/null 2>&1 || need="$need docker-registry"
command -v skopeo >/dev/null 2>&1 || need="$need skopeo"
command -v htpasswd >/dev/null 2>&1 || need="$need apache2-utils"
command -v openssl >/dev/null 2>&1 || need="$need openssl"

# shellcheck disable=SC2086 # word splitting of the package list is intended
apt_install "Registry tools" $need
