#!/usr/bin/env bash
# How long a running server takes to answer while its search index catches up with a large
# import made by another process (`dignity demo generate` writes through the import path).
# Usage: scripts/catchup-latency.sh DIGNITY_BINARY [EVENTS] [PORT]
# Prints the slowest answer of GET $URL_PATH (default /healthz; API paths get a bearer token) (one request every 50 ms, from the start of the
# import to 20 s after it) and how many took more than 500 ms.
set -euo pipefail
BIN=$(readlink -f "$1"); EVENTS=${2:-20000}; PORT=${3:-18931}
D=$(mktemp -d); trap 'kill $SERVER 2>/dev/null || true; rm -rf "$D"' EXIT
export DIGNITY_LOG=warn
echo "a long enough passphrase" | "$BIN" --data-dir "$D/data" user add dora --role documenter >/dev/null
TOKEN=$("$BIN" --data-dir "$D/data" token create dora | grep -o 'dgn_[A-Za-z0-9_-]*' | head -1 || true)
URL=${URL_PATH:-/healthz}
"$BIN" --data-dir "$D/data" serve --listen 127.0.0.1:$PORT >"$D/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
( "$BIN" --data-dir "$D/data" demo generate --events "$EVENTS" --as dora >"$D/import.log" 2>&1; touch "$D/imported" ) &
IMPORT=$!
: >"$D/lat"
END=0
while :; do
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -w '%{time_total}\n' --max-time 30 "http://127.0.0.1:$PORT$URL" >>"$D/lat" || echo 30 >>"$D/lat"
  if [ -e "$D/imported" ] && [ "$END" = 0 ]; then END=$(( $(date +%s) + 20 )); fi
  if [ "$END" != 0 ] && [ "$(date +%s)" -ge "$END" ]; then break; fi
  sleep 0.05
done
wait $IMPORT
tail -1 "$D/import.log"
sort -n "$D/lat" | awk '{a[NR]=$1} END {printf "requests %d, median %.3f s, slowest %.3f s, over 0.5 s: ", NR, a[int(NR/2)+1], a[NR]}'
awk '$1>0.5{n++} END{print n+0}' "$D/lat"
