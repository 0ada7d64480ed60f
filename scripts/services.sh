#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 and Redis on 127.0.0.1 for tests and benchmarks.
#   scripts/services.sh start DIR   -> prints DATABASE_URL=... and REDIS_URL=... lines
#   scripts/services.sh stop DIR
# Installs redis-server / postgresql from Debian when missing. PostgreSQL refuses to run as
# root, so the cluster belongs to the postgres user.
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?directory}")
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63799}
PG_BIN=/usr/lib/postgresql/15/bin

need_apt_update=1
apt_install() {
  if [ "$need_apt_update" = 1 ]; then apt-get update -qq >/dev/null; need_apt_update=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

case "$cmd" in
start)
  command -v redis-server >/dev/null || apt_install redis-server
  [ -x "$PG_BIN/initdb" ] || apt_install postgresql
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  mkdir -p "$dir"
  chown postgres "$dir"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # PG_STAT_STATEMENTS=1: statement times for benchmarks (pg_stat_statements, planning included).
  options=""
  [ "${PG_STAT_STATEMENTS:-0}" = 1 ] && options="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on"
  # PG_SETTINGS: more server options, e.g. "-c shared_buffers=4GB -c max_wal_size=16GB" for benchmarks.
  options="$options ${PG_SETTINGS:-}"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 $options" start >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  ;;
stop)
  if [ -f "$dir/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null || true
  fi
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
