#!/usr/bin/env bash
# Finds or installs the official `temporal` CLI (which embeds the dev server and Web UI) and
# prints its path. Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the cache, then `go install`.
# Quiet and idempotent once the binary is there; progress goes to stderr, the path to stdout.
set -euo pipefail

TEMPORAL_CLI_VERSION="v1.5.1" # embeds Temporal Server 1.29.1 and Web UI 2.42.1
cache_dir="${SEER_RUNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seer-runs}/temporal-cli-${TEMPORAL_CLI_VERSION}"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
  echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file" >&2
  exit 1
fi
if on_path=$(command -v temporal 2>/dev/null); then echo "$on_path"; exit 0; fi
if [ -x "$cache_dir/temporal" ]; then echo "$cache_dir/temporal"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "No temporal CLI found and no Go toolchain to build it: install Go, or set TEMPORAL_CLI_PATH." >&2
  exit 1
fi
echo "Installing the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (about 2 minutes, once)..." >&2
mkdir -p "$cache_dir"
staging=$(mktemp -d "$cache_dir/.install.XXXXXX")
trap 'rm -rf "$staging"' EXIT
GOBIN="$staging" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" >&2
# Rename is atomic: a concurrent install (two CI jobs on one machine) never sees half a binary.
mv -f "$staging/temporal" "$cache_dir/temporal"
echo "Installed $("$cache_dir/temporal" --version | head -n 1)" >&2
echo "$cache_dir/temporal"
