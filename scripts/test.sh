#!/usr/bin/env bash
# Run every test: unit and integration tests on SQLite and on a real PostgreSQL server
# (installed and started here), then the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/pg-test-server.sh start)"
trap 'scripts/pg-test-server.sh stop "$PG_TEST_DIR"' EXIT
echo "PostgreSQL test server: $DIGNITY_TEST_POSTGRES_URL"

cargo build --workspace --all-targets --locked
cargo test --workspace --locked

# Multiple systems estimation side by side with statsmodels' Poisson GLM (PyPI).
bin="${CARGO_TARGET_DIR:-target}/debug/dignity"
python3 scripts/check-mse-statsmodels.py --dignity "$bin"

# The JSON API fuzzed against its own OpenAPI document (schemathesis): no server errors.
scripts/fuzz-api.sh

if [ -x scripts/browser-tests.sh ]; then
  scripts/browser-tests.sh
fi
