#!/usr/bin/env bash
# Benchmarks of the violations area (figures in docs/benchmarks-violations.md).
# Usage: tests/bench/violations.sh EVENTS [DATA_DIR]   (release build, SQLite)
set -euo pipefail
EVENTS=${1:-33000}
D=${2:-$(mktemp -d /tmp/dignity-bench-XXXX)}
B=${DIGNITY_BIN:-${CARGO_TARGET_DIR:-target}/release/dignity}
PW='a long enough passphrase'
echo "data dir: $D"
if [ ! -f "$D/dignity.db" ]; then
  echo "$PW" | $B --data-dir "$D" user add dora --role documenter >/dev/null
  echo "$PW" | $B --data-dir "$D" user add ana --role analyst >/dev/null
  echo "== demo generate --events $EVENTS"
  /usr/bin/time -f "wall %e s, max RSS %M KiB" $B --data-dir "$D" demo generate --events "$EVENTS" --as dora 2>&1 | tail -2
fi
ls -la "$D"/dignity.db*
PORT=${PORT:-18471}
DIGNITY_LOG=warn $B --data-dir "$D" serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
SRV=$!
trap 'kill $SRV' EXIT
sleep 2
login() {
  local jar; jar=$(mktemp)
  local csrf
  csrf=$(curl -s -c "$jar" http://127.0.0.1:$PORT/login | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$csrf" --data-urlencode "username=$1" --data-urlencode "password=$PW" --data-urlencode "next=/" http://127.0.0.1:$PORT/login
  grep dignity_session "$jar" | awk '{print "dignity_session=" $7}'
}
COOKIE=$(login ana)
TOKEN=$($B --data-dir "$D" token create ana)
# 20 random events the analyst may read (5 % of the generated events are confidential).
EV=$(sqlite3 "$D/dignity.db" "SELECT '/violations/events/' || id FROM vio_events WHERE confidentiality = 'internal' ORDER BY random() LIMIT 20" | paste -sd, -)
for c in ${CONNS:-1 8}; do
  echo "== event pages, $c connections"; $B demo load --addr 127.0.0.1:$PORT --auth "$COOKIE" --paths "$EV" --concurrency $c --requests 400
  echo "== event list page (first page, unfiltered), $c connections"; $B demo load --addr 127.0.0.1:$PORT --auth "$COOKIE" --paths /violations --concurrency $c --requests ${LIST_REQ:-100}
  echo "== event list filtered by country, $c connections"; $B demo load --addr 127.0.0.1:$PORT --auth "$COOKIE" --paths "/violations?country=PER,/violations?country=SYR&page=3" --concurrency $c --requests ${LIST_REQ:-100}
  echo "== API act list, $c connections"; $B demo load --addr 127.0.0.1:$PORT --auth "Bearer $TOKEN" --paths "/api/v1/violations/acts?limit=50,/api/v1/violations/acts?act_type=0301&limit=50" --concurrency $c --requests ${LIST_REQ:-100}
done
