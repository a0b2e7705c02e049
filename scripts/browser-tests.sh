#!/usr/bin/env bash
# Browser tests: a real `dignity serve` driven in headless Chromium (Debian's package) by
# playwright-core. Installs chromium and the npm package when missing.
# Usage: scripts/browser-tests.sh [FILE.test.mjs …]   (all of tests/browser/ by default)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq chromium >&2
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm (Debian packages) for playwright-core…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq nodejs npm >&2
fi
bin="${CARGO_TARGET_DIR:-target}/debug/dignity"
[ -x "$bin" ] || cargo build -p dignity-cli --locked
export DIGNITY_BIN="$(cd "$(dirname "$bin")" && pwd)/dignity"
files=("$@")
cd tests/browser
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent
if [ ${#files[@]} -eq 0 ]; then files=(./*.test.mjs); else files=("${files[@]##*/}"); fi
# One file at a time: each starts its own server and browser. `--test-concurrency` came with
# Node 20.10; an older Node (Debian 12 ships 18) runs the files one by one in a loop instead.
if node --test-concurrency=1 -e '' >/dev/null 2>&1; then
  node --test --test-concurrency=1 "${files[@]}"
else
  failed=0
  for f in "${files[@]}"; do node --test "$f" || failed=1; done
  exit "$failed"
fi
