# Sourced by the install scripts: apt_install WHAT PACKAGE... installs the
# given Debian packages (the ones missing, as the caller decided), running
# `apt-get update` first, with sudo unless root; with no package it only says
# WHAT is already installed.
apt_install() {
  what=$1
  shift
  if [ $# -eq 0 ]; then
    echo "$what already installed"
    return 0
  fi
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "$@"
  echo "Installed: $*"
}
