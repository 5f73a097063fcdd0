#!/usr/bin/env bash
# Finds or installs what `npm run cluster` needs and prints where each one is, as KEY=path lines:
# the pinned Temporal server and SQL tool (cached beside the CLI), the server module's schemas,
# PostgreSQL's binaries (Debian's; skipped when TEMPORAL_DB_HOST points at a running one), openssl
# and the Temporal CLI. Idempotent and quiet once all is there; a missing prerequisite that cannot
# be installed here stops it with one line naming it and what to do.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_SERVER_VERSION="v1.29.1" # the server the CLI v1.5.1 embeds: the dev server's twin
PG_MAJOR=15
cache_root="${SEER_RUNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seer-runs}"
cache_dir="$cache_root/temporal-server-${TEMPORAL_SERVER_VERSION}"

fail() {
  echo "npm run cluster: $*" >&2
  exit 1
}

need_go() {
  command -v go >/dev/null 2>&1 ||
    fail "no Go toolchain to build the Temporal server ${TEMPORAL_SERVER_VERSION}: install Go (https://go.dev/dl), or set $1."
}

# The server module's source: its schemas, in the Go module cache.
module_dir() {
  local dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@${TEMPORAL_SERVER_VERSION}" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [ -n "$dir" ] && [ -d "$dir/schema" ] || fail "could not download go.temporal.io/server@${TEMPORAL_SERVER_VERSION} (no network?): run 'go mod download go.temporal.io/server@${TEMPORAL_SERVER_VERSION}' and rerun."
  echo "$dir"
}

# A binary of the server module (named as its package's last element): $override, the cache,
# Go's bin dir (at the pinned version), then `go install`.
server_binary() {
  local name=$1 package=$2 override=$3
  if [ -n "${!override:-}" ]; then
    [ -x "${!override}" ] || fail "$override=${!override} is not an executable file."
    echo "${!override}"
    return
  fi
  if [ -x "$cache_dir/$name" ]; then echo "$cache_dir/$name"; return; fi
  mkdir -p "$cache_dir"
  local gobin
  gobin="$(go env GOBIN 2>/dev/null || true)"
  gobin="${gobin:-$(go env GOPATH 2>/dev/null)/bin}"
  if [ ! -x "$gobin/$name" ] || [ "$("$gobin/$name" --version 2>/dev/null | awk '{print $NF}')" != "${TEMPORAL_SERVER_VERSION#v}" ]; then
    need_go "$override"
    echo "Building the Temporal $name ${TEMPORAL_SERVER_VERSION} with go install (about 1.5 minutes, once)..." >&2
    gobin=$(mktemp -d "$cache_dir/.install.XXXXXX")
    GOBIN="$gobin" GOFLAGS=-mod=mod go install "go.temporal.io/server/${package}@${TEMPORAL_SERVER_VERSION}" >&2
  fi
  # Copy, then rename (atomic): a concurrent provisioning never runs half a binary.
  cp "$gobin/$name" "$cache_dir/.$name.tmp.$$"
  mv -f "$cache_dir/.$name.tmp.$$" "$cache_dir/$name"
  echo "$cache_dir/$name"
}

command -v openssl >/dev/null 2>&1 ||
  fail "openssl is missing (it makes the cluster's CA and certificates): apt-get install openssl, and rerun."

server=$(server_binary server cmd/server TEMPORAL_SERVER_PATH)
sql=$(server_binary sql cmd/tools/sql TEMPORAL_SQL_TOOL_PATH)
schema_cache="$cache_dir/schema"
if [ ! -d "$schema_cache/postgresql/v12" ]; then
  need_go TEMPORAL_SERVER_PATH
  mkdir -p "$cache_dir"
  staging=$(mktemp -d "$cache_dir/.schema.XXXXXX")
  cp -r "$(module_dir)/schema/." "$staging/"
  chmod -R u+w "$staging"
  rm -rf "$schema_cache"
  mv "$staging" "$schema_cache"
fi

pg_bin=""
if [ -z "${TEMPORAL_DB_HOST:-}" ]; then
  pg_bin="/usr/lib/postgresql/${PG_MAJOR}/bin"
  if [ ! -x "$pg_bin/pg_ctl" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing PostgreSQL ${PG_MAJOR} from Debian packages..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-${PG_MAJOR}" >/dev/null
    fi
    [ -x "$pg_bin/pg_ctl" ] ||
      fail "PostgreSQL ${PG_MAJOR} is missing: sudo apt-get install postgresql-${PG_MAJOR}, or point TEMPORAL_DB_HOST/PORT/USER/PASSWORD at a running PostgreSQL."
  fi
fi

echo "TEMPORAL_SERVER=$server"
echo "TEMPORAL_SQL_TOOL=$sql"
echo "TEMPORAL_SCHEMA_DIR=$schema_cache"
echo "PG_BIN=$pg_bin"
echo "OPENSSL=$(command -v openssl)"
echo "TEMPORAL_CLI=$(bash scripts/temporal-cli.sh)"
