#!/usr/bin/env bash
# A throwaway PostgreSQL server for the lease-store tests and benches.
#
#   tests/pg/pg.sh up      start it (idempotent) and print its URL on stdout
#   tests/pg/pg.sh down    stop it and remove its directory
#   tests/pg/pg.sh url     print the URL (whether or not it runs)
#   tests/pg/pg.sh restart-immediate   pg_ctl restart -m immediate (the fault tests)
#   tests/pg/pg.sh stop-keep / start   stop / start without removing the data
#
# Debian's postgresql is installed with apt-get when initdb/pg_ctl are not
# found. The cluster lives in $DOS_PG_DIR (default /tmp/libdos-pg-$DOS_PG_PORT),
# listens on a Unix socket in that directory only (no TCP), trusts local
# connections, and has one database, `dos`, owned by the role `dos`. As root,
# the server runs as an unprivileged user (`dospg`, created when missing).
set -euo pipefail

PORT="${DOS_PG_PORT:-54329}"
DIR="${DOS_PG_DIR:-/tmp/libdos-pg-$PORT}"
DATA="$DIR/data"
LOG="$DIR/server.log"
RUNAS="${DOS_PG_USER:-dospg}"

url() {
  # rust-postgres reads a percent-encoded socket directory as the host.
  local enc=${DIR//\//%2F}
  echo "postgresql://dos@${enc}:${PORT}/dos?connect_timeout=5"
}

find_bin() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if BIN=$(find_bin); then return 0; fi
  echo "pg.sh: installing Debian's postgresql (initdb/pg_ctl not found)" >&2
  export DEBIAN_FRONTEND=noninteractive
  (apt-get install -y -qq postgresql >/dev/null 2>&1) ||
    (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq postgresql >/dev/null)
  BIN=$(find_bin) || { echo "pg.sh: postgresql installed but pg_ctl not found" >&2; exit 1; }
}

as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$RUNAS" -- "$@"
  else
    "$@"
  fi
}

ensure_user() {
  [ "$(id -u)" = 0 ] || return 0
  if ! id "$RUNAS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$RUNAS" 2>/dev/null ||
      useradd -r -M -s /bin/false "$RUNAS"
  fi
}

running() {
  [ -f "$DATA/PG_VERSION" ] && as_server "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start_server() {
  as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses='' -c max_connections=100" start >/dev/null
}

up() {
  ensure_installed
  if running; then url; return 0; fi
  ensure_user
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown "$RUNAS" "$DIR"
    chmod 755 "$DIR"
    as_server "$BIN/initdb" -D "$DATA" -U dos --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null 2>"$DIR.initdb.err" ||
      as_server "$BIN/initdb" -D "$DATA" -U dos --auth=trust -E UTF8 --locale=C --no-sync >/dev/null
    rm -f "$DIR.initdb.err"
  fi
  # A data directory left by a killed server: its pid file would stop the start.
  start_server || { rm -f "$DATA/postmaster.pid"; start_server; } || { cat "$LOG" >&2; exit 1; }
  if ! as_server "$BIN/psql" -h "$DIR" -p "$PORT" -U dos -d postgres -tAq \
      -c "select 1 from pg_database where datname = 'dos'" | grep -q 1; then
    as_server "$BIN/createdb" -h "$DIR" -p "$PORT" -U dos dos
  fi
  url
}

down() {
  if BIN=$(find_bin) && running; then
    as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null || true
  fi
  rm -rf "$DIR"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  url) url ;;
  restart-immediate)
    BIN=$(find_bin); as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -m immediate \
      -o "-p $PORT -k $DIR -c listen_addresses=''" restart >/dev/null ;;
  stop-keep) BIN=$(find_bin); as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null ;;
  start) BIN=$(find_bin); start_server ;;
  *) echo "usage: $0 up|down|url|restart-immediate|stop-keep|start" >&2; exit 2 ;;
esac
