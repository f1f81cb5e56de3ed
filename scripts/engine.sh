#!/usr/bin/env bash
# A Docker-compatible container engine for the e2e suite.
#
# Where a Docker engine already answers, this does nothing and uses it.
# Elsewhere it installs Debian's podman (runc, netavark, aardvark-dns) and runs
# its Docker API service on a private socket, with private config and storage
# under $BIFROST_AS_ENGINE_DIR (default .tmp/engine), the docker compose v2 CLI
# plugin (from Debian trixie's docker-compose package, fetched through a
# private apt sources list), and a loop that runs healthchecks, which podman
# otherwise leaves to systemd. Every wait is bounded; everything started is
# stopped by PID.
#
#   scripts/engine.sh start       install if needed, start (idempotent)
#   scripts/engine.sh env         print the environment: eval "$(scripts/engine.sh env)"
#   scripts/engine.sh status      say what runs
#   scripts/engine.sh stop        remove our containers, stop what start started
#   scripts/engine.sh exec CMD... start, run CMD in the environment, stop on exit
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BIFROST_AS_ENGINE_DIR:-$ROOT/.tmp/engine}
SOCK=$DIR/podman.sock
ENV_FILE=$DIR/env
SERVICE_PID=$DIR/service.pid
LOOP_PID=$DIR/healthcheck-loop.pid
COMPOSE_PLUGIN=$DIR/docker/cli-plugins/docker-compose

say() { echo "engine: $*" >&2; }
die() {
  echo "engine: error: $*" >&2
  exit 1
}

# Runs "$@" with a time limit, so no step can hang.
bounded() {
  local secs=$1
  shift
  timeout --kill-after=5 "$secs" "$@"
}

private_env() {
  export CONTAINERS_CONF=$DIR/containers.conf
  export CONTAINERS_STORAGE_CONF=$DIR/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf
  export DOCKER_CONFIG=$DIR/docker
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

ours_running() {
  alive "$SERVICE_PID" && [[ -S $SOCK ]] &&
    DOCKER_HOST=unix://$SOCK bounded 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# A Docker engine that is not ours answers with the caller's environment.
other_engine() {
  command -v docker >/dev/null 2>&1 || return 1
  [[ ${DOCKER_HOST:-} == "unix://$SOCK" ]] && return 1
  bounded 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
  local sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  say "installing $*"
  bounded 300 $sudo apt-get update -qq || die "apt-get update failed"
  # runc, named explicitly, satisfies podman's "crun | runc": crun cannot set rlimits here.
  bounded 600 $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}

install_podman() {
  local need=()
  command -v podman >/dev/null 2>&1 || need+=(podman)
  command -v runc >/dev/null 2>&1 || need+=(runc)
  [[ -x /usr/lib/podman/netavark ]] || need+=(netavark)
  [[ -x /usr/lib/podman/aardvark-dns ]] || need+=(aardvark-dns)
  command -v iptables >/dev/null 2>&1 || need+=(iptables)
  command -v timeout >/dev/null 2>&1 || need+=(coreutils)
  if [[ ${#need[@]} -gt 0 ]]; then apt_install "${need[@]}"; fi
}

# The primary Debian mirror, as apt's own sources name it (never a fixed host).
debian_mirror() {
  # shellcheck disable=SC2016 # $(...) are apt's format fields, not shell
  apt-get indextargets --format '$(REPO_URI) $(TARGET_OF)' 2>/dev/null |
    awk '$2 == "deb" && $1 !~ /security/ { print $1; exit }'
}

# Downloads package $1 from Debian trixie with a private sources list and
# lists dir (the system's sources are untouched) and unpacks it into $2.
fetch_trixie_deb() {
  local pkg=$1 into=$2 mirror apt_dir
  mirror=$(debian_mirror)
  [[ -n $mirror ]] || die "cannot read a Debian mirror from apt's sources (apt-get indextargets)"
  apt_dir=$DIR/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts" "$apt_dir/archives/partial" "$apt_dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$apt_dir/sources.list"
  local opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$apt_dir/parts"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache::Archives=$apt_dir/archives"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "APT::Sandbox::User=root"
  )
  if ! compgen -G "$apt_dir/lists/*Packages*" >/dev/null; then
    say "reading Debian trixie's package list from $mirror (private apt lists in $apt_dir)"
    bounded 300 apt-get "${opts[@]}" update -qq || die "apt-get update of the private trixie list failed"
  fi
  (cd "$apt_dir/debs" && bounded 300 apt-get "${opts[@]}" download -qq "$pkg") ||
    die "cannot download $pkg from trixie"
  mkdir -p "$into"
  local deb
  deb=$(find "$apt_dir/debs" -name "${pkg}_*.deb" | sort | tail -n 1)
  dpkg-deb -x "$deb" "$into"
}

install_clients() {
  mkdir -p "$DIR/bin" "$DIR/docker/cli-plugins"
  if ! command -v docker >/dev/null 2>&1 && [[ ! -x $DIR/bin/docker ]]; then
    say "no docker CLI: taking it from Debian trixie's docker-cli package"
    fetch_trixie_deb docker-cli "$DIR/apt/docker-cli"
    cp "$DIR/apt/docker-cli/usr/bin/docker" "$DIR/bin/docker"
  fi
  if ! DOCKER_CONFIG=$DIR/docker docker compose version >/dev/null 2>&1; then
    say "installing the docker compose v2 CLI plugin from Debian trixie's docker-compose package"
    fetch_trixie_deb docker-compose "$DIR/apt/docker-compose"
    cp "$DIR/apt/docker-compose/usr/libexec/docker/cli-plugins/docker-compose" "$COMPOSE_PLUGIN"
    chmod +x "$COMPOSE_PLUGIN"
  fi
}

write_config() {
  mkdir -p "$DIR/storage" "$DIR/run" "$DIR/tmp" "$DIR/networks"
  # crun cannot set rlimits here and podman's default nofile exceeds the hard
  # limit; no systemd, so cgroupfs and file events; netavark + aardvark-dns
  # for service-name DNS.
  cat >"$DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
tmp_dir = "$DIR/tmp"

[network]
network_backend = "netavark"
network_config_dir = "$DIR/networks"
EOF
  cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "$DIR/run"
EOF
  # A local registry on loopback speaks plain HTTP (Docker assumes the same for 127.0.0.0/8).
  cat >"$DIR/registries.conf" <<EOF
unqualified-search-registries = ["docker.io"]

[[registry]]
location = "127.0.0.1"
insecure = true

[[registry]]
location = "localhost"
insecure = true
EOF
}

write_env() {
  cat >"$ENV_FILE" <<EOF
export DOCKER_HOST=unix://$SOCK
export DOCKER_CONFIG=$DIR/docker
export CONTAINERS_CONF=$DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$DIR/storage.conf
export CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export DOCKER_BUILDKIT=0
EOF
  if [[ -x $DIR/bin/docker ]]; then echo "export PATH=$DIR/bin:\$PATH" >>"$ENV_FILE"; fi
}

start_service() {
  rm -f "$SOCK"
  # setsid: the service outlives this script; stop ends it by PID.
  setsid podman system service --time=0 "unix://$SOCK" >"$DIR/service.log" 2>&1 </dev/null &
  echo $! >"$SERVICE_PID"
  local _
  for _ in $(seq 1 100); do
    if DOCKER_HOST=unix://$SOCK bounded 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
      return 0
    fi
    alive "$SERVICE_PID" || break
    sleep 0.2
  done
  tail -n 20 "$DIR/service.log" >&2 || true
  stop_pid "$SERVICE_PID"
  die "podman's API service did not answer on $SOCK within 20 s (log above)"
}

# Podman schedules healthchecks through systemd timers, which do not run here:
# run them every 2 s for running containers that have one, until the service ends.
start_health_loop() {
  local service
  service=$(cat "$SERVICE_PID")
  (
    exec </dev/null >"$DIR/healthcheck-loop.log" 2>&1
    while kill -0 "$service" 2>/dev/null; do
      for id in $(bounded 10 podman ps -q --filter health=starting --filter health=healthy \
        --filter health=unhealthy 2>/dev/null); do
        bounded 30 podman healthcheck run "$id" >/dev/null 2>&1 || true
      done
      sleep 2
    done
  ) &
  echo $! >"$LOOP_PID"
}

stop_pid() {
  local file=$1 pid _
  [[ -f $file ]] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

cmd_start() {
  if ours_running; then
    say "podman already serves $SOCK"
    return 0
  fi
  if other_engine; then
    say "a Docker engine answers (${DOCKER_HOST:-default socket}): using it, nothing to set up"
    rm -f "$ENV_FILE"
    if ! docker compose version >/dev/null 2>&1; then
      say "warning: 'docker compose' (v2) is missing: the compose target needs it"
    fi
    return 0
  fi
  local t0=$SECONDS
  mkdir -p "$DIR"
  [[ ${#SOCK} -lt 100 ]] || die "socket path $SOCK is too long for a unix socket: set BIFROST_AS_ENGINE_DIR"
  install_podman
  install_clients
  write_config
  private_env
  write_env
  # A service or loop left from an earlier run would hold the socket and the store.
  stop_pid "$LOOP_PID"
  stop_pid "$SERVICE_PID"
  start_service
  start_health_loop
  say "podman $(podman version --format '{{.Version}}') serves unix://$SOCK (service PID $(cat "$SERVICE_PID"), healthcheck loop PID $(cat "$LOOP_PID"); set up in $((SECONDS - t0)) s)"
}

cmd_env() {
  if [[ -f $ENV_FILE ]]; then
    cat "$ENV_FILE"
  else
    echo "# scripts/engine.sh: no private engine set up: the Docker engine of this environment is used"
  fi
}

cmd_status() {
  if ours_running; then
    echo "podman serves unix://$SOCK (service PID $(cat "$SERVICE_PID"))"
    if alive "$LOOP_PID"; then
      echo "healthcheck loop PID $(cat "$LOOP_PID")"
    else
      echo "healthcheck loop is not running"
    fi
  elif other_engine; then
    echo "a Docker engine answers (${DOCKER_HOST:-default socket})"
  else
    echo "no engine"
    return 1
  fi
}

cmd_stop() {
  if [[ ! -f $SERVICE_PID && ! -f $LOOP_PID ]]; then
    say "nothing of ours to stop"
    return 0
  fi
  stop_pid "$LOOP_PID"
  if command -v podman >/dev/null 2>&1 && [[ -f $DIR/storage.conf ]]; then
    private_env
    local ids
    ids=$(bounded 20 podman ps -aq 2>/dev/null || true)
    if [[ -n $ids ]]; then
      # shellcheck disable=SC2086 # one argument per container id
      bounded 60 podman rm -f -t 2 $ids >/dev/null 2>&1 || say "warning: could not remove containers $ids"
    fi
    bounded 20 podman network prune -f >/dev/null 2>&1 || true
  fi
  stop_pid "$SERVICE_PID"
  rm -f "$SOCK"
  say "stopped"
}

case ${1:-} in
start) cmd_start ;;
env) cmd_env ;;
status) cmd_status ;;
stop) cmd_stop ;;
exec)
  shift
  [[ $# -gt 0 ]] || die "exec needs a command"
  cmd_start
  trap cmd_stop EXIT
  eval "$(cmd_env)"
  "$@"
  ;;
*)
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
