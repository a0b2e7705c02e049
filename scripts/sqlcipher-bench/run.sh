#!/usr/bin/env bash
# Plain SQLite vs SQLCipher on Dignity's schema: build both (timed), then alternate runs.
# Usage: scripts/sqlcipher-bench/run.sh [ACTS] [RUNS]   (defaults 100000, 3)
# Needs OpenSSL's libcrypto and headers (libssl-dev) for the SQLCipher build.
set -euo pipefail
ACTS=${1:-100000}
RUNS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
MIG=$HERE/../../crates/dignity-store/migrations
T=${SQLCIPHER_BENCH_TARGET:-/tmp/sqlcipher-bench-target}
cd "$HERE"
for f in plain cipher; do
  s=$(date +%s)
  CARGO_TARGET_DIR=$T/$f cargo build --offline --release --features $f 2>&1 | tail -1
  echo "build $f: $(( $(date +%s) - s )) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
DB=$(mktemp -d)/bench.db
for i in $(seq "$RUNS"); do
  echo "# run $i, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  "$T/plain/release/sqlcipher-bench" "$DB" "$MIG" "$ACTS"
  "$T/cipher/release/sqlcipher-bench" "$DB" "$MIG" "$ACTS" --key
done
rm -rf "$(dirname "$DB")"
