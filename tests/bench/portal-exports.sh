#!/usr/bin/env bash
# Public portal under concurrent clients and a 1,000,000-row export, over TCP against a real
# `dignity serve` (figures in docs/benchmarks.md, "Exports and public portal").
# Usage: tests/bench/portal-exports.sh WORK_DIR [DOCS]   (release build; needs curl)
# WORK_DIR/data is made by `dignity-bench exports --work-dir WORK_DIR --docs DOCS` when absent
# (a search index of DOCS synthetic records and an analyst `bench`).
set -euo pipefail
W=${1:?WORK_DIR}
DOCS=${2:-1000000}
B=${DIGNITY_BIN:-${CARGO_TARGET_DIR:-target}/release/dignity}
# The benchmark runner (crate dignity-bench): cargo build --release -p dignity-cli -p dignity-bench
BB=${DIGNITY_BENCH_BIN:-${CARGO_TARGET_DIR:-target}/release/dignity-bench}
D=$W/data
PW='a long enough passphrase'
CLIENTS=${CLIENTS:-200}
SECONDS_=${SECONDS_:-15}
PORT=${PORT:-28571}
la() { cut -d' ' -f1 /proc/loadavg; }
if [ ! -d "$D/index" ]; then
  $BB exports --work-dir "$W" --docs "$DOCS" --clients 1 --seconds 1
fi
echo "$PW" | $B --data-dir "$D" user add adam --role admin >/dev/null 2>&1 || true  # (exists on a second run)
DIGNITY_LOG=warn $B --data-dir "$D" serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 &
SRV=$!
trap 'kill $SRV' EXIT
until curl -s -o /dev/null http://127.0.0.1:$PORT/public; do sleep 0.5; done
JAR=$(mktemp)
csrf() { curl -s -b "$JAR" -c "$JAR" "http://127.0.0.1:$PORT$1" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//'; }
T=$(csrf /login)
curl -s -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf_token=$T" --data-urlencode "username=adam" \
  --data-urlencode "password=$PW" --data-urlencode "next=/" http://127.0.0.1:$PORT/login
T=$(csrf "/reports/country?country=SRB")
curl -s -b "$JAR" -o /dev/null -w 'publish the SRB country report: %{http_code}\n' \
  --data-urlencode "csrf_token=$T" --data-urlencode "country=SRB" http://127.0.0.1:$PORT/reports/country/publish
curl -s -b "$JAR" -o /dev/null -w 'publish the SRB country profile: %{http_code}\n' \
  --data-urlencode "csrf_token=$T" --data-urlencode "action=publish" http://127.0.0.1:$PORT/admin/portal/countries/SRB
for p in /public/countries/SRB /public/publications/report-srb; do
  echo "== $p, $CLIENTS clients, full renders (load average $(la))"
  $BB http --addr 127.0.0.1:$PORT --paths "$p" --clients "$CLIENTS" --seconds "$SECONDS_" --pid $SRV
  echo "== $p, $CLIENTS clients, If-None-Match (load average $(la))"
  $BB http --addr 127.0.0.1:$PORT --paths "$p" --clients "$CLIENTS" --seconds "$SECONDS_" --pid $SRV --revalidate
done
TOKEN=$($B --data-dir "$D" token create bench)
for f in csv xlsx; do
  echo 0 > "$W/peak"
  rss0=$(awk '/VmRSS/ {print $2}' /proc/$SRV/status)
  ( peak=0; while kill -0 $SRV 2>/dev/null; do r=$(awk '/VmRSS/ {print $2}' /proc/$SRV/status); [ "$r" -gt "$peak" ] && peak=$r && echo $peak > "$W/peak"; sleep 0.1; done ) &
  MON=$!
  echo "== export $f of every bench_case row (load average $(la)), server RSS before: $((rss0 / 1024)) MiB"
  curl -s -H "Authorization: Bearer $TOKEN" -o /dev/null \
    -w "HTTP %{http_code}, %{size_download} bytes in %{time_total} s (first byte after %{time_starttransfer} s)\n" \
    "http://127.0.0.1:$PORT/api/v1/search/export?type=bench_case&format=$f"
  kill $MON; wait $MON 2>/dev/null || true
  echo "server RSS peak during the export: $(( $(cat "$W/peak") / 1024 )) MiB (load average $(la))"
done
