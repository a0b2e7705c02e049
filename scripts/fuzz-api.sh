#!/usr/bin/env bash
# Property-based fuzzing of the JSON API against the OpenAPI document the code generates
# (schemathesis, from PyPI): a real `dignity serve --demo`, called with a coordinator's API
# token. Fails on any server error (5xx) and on any answer the document does not describe:
# an undocumented status code, media type or header, or a body that does not match its
# schema. Bounded: FUZZ_MAX_EXAMPLES cases per operation (default 40) and FUZZ_TIME_LIMIT
# seconds in all (default 600; running past it fails).
# Usage: scripts/fuzz-api.sh   (FUZZ_CHECKS=all adds the request-side checks: whether the
# schema's constraints are as strict as the server's validation; not yet all met)
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/debug/dignity"
[ -x "$bin" ] || cargo build -p dignity-cli --locked
bin="$(cd "$(dirname "$bin")" && pwd)/dignity"

venv="${FUZZ_VENV:-${TMPDIR:-/tmp}/dignity-schemathesis}"
if [ ! -x "$venv/bin/st" ]; then
  echo "installing schemathesis (PyPI) in $venv…" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi

work=$(mktemp -d /tmp/dignity-fuzz.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
token=$("$bin" token create --data-dir "$work/data" demo-coordinator --name fuzz | tail -n 1)

checks="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance}"
set +e
timeout "${FUZZ_TIME_LIMIT:-600}" "$venv/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks "$checks" \
  --header "Authorization: Bearer $token" \
  --max-examples "${FUZZ_MAX_EXAMPLES:-40}" \
  --workers 2 \
  --generation-deterministic \
  --request-timeout 30 \
  --no-color
rc=$?
set -e
if [ $rc -eq 124 ]; then
  echo "fuzz-api: stopped at the time limit (${FUZZ_TIME_LIMIT:-600} s) before the end" >&2
fi
if [ $rc -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$work/server.log" >&2
fi
exit $rc
