#!/usr/bin/env bash
# Finds or builds Jaeger (its v2 binary: an OpenTelemetry-collector distribution that runs as an
# all-in-one with in-memory storage) and prints its path. Order: $JAEGER_PATH, then the cache, then a
# build from the Go module proxy. `go install` refuses jaeger (its go.mod has replace directives), so it
# builds in a scratch module. Quiet and idempotent once the binary is there; the path goes to stdout.
set -euo pipefail

JAEGER_VERSION="v1.76.0" # the module version of Jaeger v2's cmd/jaeger
cache_dir="${SEER_RUNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seer-runs}/jaeger-${JAEGER_VERSION}"

if [ -n "${JAEGER_PATH:-}" ]; then
  if [ -x "$JAEGER_PATH" ]; then echo "$JAEGER_PATH"; exit 0; fi
  echo "JAEGER_PATH=$JAEGER_PATH is not an executable file" >&2
  exit 1
fi
if [ -x "$cache_dir/jaeger" ]; then echo "$cache_dir/jaeger"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "No Jaeger found and no Go toolchain to build it: install Go, or set JAEGER_PATH." >&2
  exit 1
fi
echo "Building Jaeger ${JAEGER_VERSION} from the Go module proxy (about 3 minutes, once)..." >&2
mkdir -p "$cache_dir"
staging=$(mktemp -d "$cache_dir/.build.XXXXXX")
trap 'rm -rf "$staging"' EXIT
(
  cd "$staging"
  go mod init seer-runs-jaeger-build >/dev/null 2>&1
  GOFLAGS=-mod=mod go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@${JAEGER_VERSION}" >&2
  GOFLAGS=-mod=mod go build -o "$staging/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger >&2
)
# Rename is atomic: a concurrent build (two CI jobs on one machine) never sees half a binary.
mv -f "$staging/jaeger" "$cache_dir/jaeger"
echo "Built Jaeger ${JAEGER_VERSION} at $cache_dir/jaeger" >&2
echo "$cache_dir/jaeger"
