#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite and print its URL.
# Usage: eval "$(scripts/pg-test-server.sh start)"   # exports DIGNITY_TEST_POSTGRES_URL, PG_TEST_DIR
#        scripts/pg-test-server.sh stop DIR
# Installs Debian's postgresql when no server binaries are found.
set -euo pipefail

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

case "${1:-start}" in
start)
  bin=$(find_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "installing postgresql (Debian package)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
  fi
  dir=$(mktemp -d /tmp/dignity-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  echo "export DIGNITY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "export PG_TEST_DIR=$dir"
  echo "export PG_TEST_BIN=$bin"
  ;;
stop)
  dir=${2:?directory}
  bin=$(find_bin)
  run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
