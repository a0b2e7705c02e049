#!/usr/bin/env bash
# Issue 16's figures in one run, release build: what encryption at rest costs, side by side
# with the same work in clear (docs/benchmarks.md, "Encryption at rest: the cost, one run").
# Usage: scripts/bench-at-rest.sh [SEARCH_DOCS] [EVENTS] [EVIDENCE_MIB]
#   defaults: 1000000 documents, 20000 events, 512 MiB
set -euo pipefail
DOCS=${1:-1000000}
EVENTS=${2:-20000}
MIB=${3:-512}
T=${CARGO_TARGET_DIR:-target}
cargo build --release -p dignity-cli -p dignity-bench
BB=$T/release/dignity-bench
echo "# $(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# dignity release binary: $(stat -c %s "$T/release/dignity") bytes"
set -x
"$BB" fields --events "$EVENTS" --pages 1000
"$BB" evidence --mib "$MIB" --runs 3
"$BB" search --docs "$DOCS" --queries 200 --no-sqlite --catch-up 0 --clients 0 --compare-clear
