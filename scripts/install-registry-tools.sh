#!/bin/sh
# Installs what the OCI tests need: Debian's docker-registry (the registry the
# tests start on 127.0.0.1), skopeo (the third-party client they check our
# output with), apache2-utils (htpasswd, for bcrypt password files) and
# openssl (the token issuer's certificate). Idempotent: installs only what is
# missing and runs `apt-get update` only when a package is missing.
set -eu

need=""
command -v docker-registry >/dev/null 2>&1 || need="$need docker-registry"
command -v skopeo >/dev/null 2>&1 || need="$need skopeo"
command -v htpasswd >/dev/null 2>&1 || need="$need apache2-utils"
command -v openssl >/dev/null 2>&1 || need="$need openssl"

if [ -z "$need" ]; then
  echo "Registry tools already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$SUDO apt-get install -y -qq --no-install-recommends $need
echo "Installed:$need"
