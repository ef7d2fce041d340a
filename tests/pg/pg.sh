#!/usr/bin/env bash
# A throwaway PostgreSQL server for the lease-store tests and benches.
#
#   tests/pg/pg.sh up      start it (idempotent) and print its URL on stdout
#   tests/pg/pg.sh down    stop it and remove its directory
#   tests/pg/pg.sh url     print the URL (whether or not it runs)
#   tests/pg/pg.sh restart-immediate   pg_ctl restart -m immediate (the fault tests)
#   tests/pg/pg.sh stop-keep / start   stop / start without removing the data
#   tests/pg/pg.sh tcp-url  the URL over TCP loopback (127.0.0.1:$DOS_PG_PORT)
#   tests/pg/pg.sh tls-dir  the directory of the test CA (ca.crt), a CA that
#                           signed nothing (wrong-ca.crt), and the server's pair
#   tests/pg/pg.sh pgbouncer-up   start PgBouncer (session pooling) in front of
#                           the server (idempotent) and print its URL; `down`
#                           stops it too
#
# Debian's postgresql is installed with apt-get when initdb/pg_ctl are not
# found. The cluster lives in $DOS_PG_DIR (default /tmp/libdos-pg-$DOS_PG_PORT),
# listens on a Unix socket in that directory and on 127.0.0.1 (same port),
# trusts local connections, and has one database, `dos`, owned by the role
# `dos`. TLS is on for TCP (`ssl = on`): at init a throwaway CA and a server
# certificate it signs (for the name `localhost` only) are made with the
# openssl CLI (a dependency of Debian's postgresql), so tests can ask for
# sslmode=require/verify-ca/verify-full. As root, the server runs as an
# unprivileged user (`dospg`, created when missing).
set -euo pipefail

PORT="${DOS_PG_PORT:-54329}"
DIR="${DOS_PG_DIR:-/tmp/libdos-pg-$PORT}"
DATA="$DIR/data"
LOG="$DIR/server.log"
TLS="$DIR/tls"
RUNAS="${DOS_PG_USER:-dospg}"

url() {
  # rust-postgres reads a percent-encoded socket directory as the host.
  local enc=${DIR//\//%2F}
  echo "postgresql://dos@${enc}:${PORT}/dos?connect_timeout=5"
}

tcp_url() {
  echo "postgresql://dos@127.0.0.1:${PORT}/dos?connect_timeout=5"
}

# A CA, a server certificate it signs (SAN: DNS localhost only, so a
# connection to 127.0.0.1 passes verify-ca and fails verify-full), and a
# second CA that signed nothing.
make_certs() {
  command -v openssl >/dev/null 2>&1 || { echo "pg.sh: openssl CLI not found" >&2; exit 1; }
  mkdir -p "$TLS"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$TLS/ca.key" -out "$TLS/ca.crt" -days 2 \
    -subj "/CN=libdos test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -x509 "${ec[@]}" -keyout "$TLS/wrong-ca.key" -out "$TLS/wrong-ca.crt" -days 2 \
    -subj "/CN=libdos unrelated CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new "${ec[@]}" -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
    > "$TLS/server.ext"
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -out "$TLS/server.crt" -days 2 -extfile "$TLS/server.ext" 2>/dev/null
  chmod 600 "$TLS/server.key" "$TLS/ca.key" "$TLS/wrong-ca.key"
  chmod 644 "$TLS/ca.crt" "$TLS/wrong-ca.crt" "$TLS/server.crt"
  [ "$(id -u)" = 0 ] && chown -R "$RUNAS" "$TLS"
  chmod 755 "$TLS"
}

SERVER_OPTS() {
  echo "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=100 -c ssl=on \
-c ssl_cert_file=$TLS/server.crt -c ssl_key_file=$TLS/server.key"
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
    -o "$(SERVER_OPTS)" start >/dev/null
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
  [ -f "$TLS/server.crt" ] || make_certs
  # A data directory left by a killed server: its pid file would stop the start.
  start_server || { rm -f "$DATA/postmaster.pid"; start_server; } || { cat "$LOG" >&2; exit 1; }
  if ! as_server "$BIN/psql" -h "$DIR" -p "$PORT" -U dos -d postgres -tAq \
      -c "select 1 from pg_database where datname = 'dos'" | grep -q 1; then
    as_server "$BIN/createdb" -h "$DIR" -p "$PORT" -U dos dos
  fi
  url
}

# PgBouncer in session mode on a Unix socket in $DIR (port PORT+10), for
# every database of the server, configured as docs/lease-store.md says a
# fleet's pooler must be: `options` (libdos's session settings) ignored at
# startup, a server-side bound on queries, connections reset between clients.
PGB_PORT=$((PORT + 10))
PGB="$DIR/pgbouncer"

pgbouncer_url() {
  local enc=${DIR//\//%2F}
  echo "postgresql://dos@${enc}:${PGB_PORT}/dos?connect_timeout=5"
}

pgbouncer_up() {
  up >/dev/null
  if ! command -v pgbouncer >/dev/null 2>&1; then
    echo "pg.sh: installing Debian's pgbouncer" >&2
    export DEBIAN_FRONTEND=noninteractive
    (apt-get install -y -qq pgbouncer >/dev/null 2>&1) ||
      (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq pgbouncer >/dev/null)
  fi
  if [ -f "$PGB/pgbouncer.pid" ] && kill -0 "$(cat "$PGB/pgbouncer.pid")" 2>/dev/null; then
    pgbouncer_url; return 0
  fi
  mkdir -p "$PGB"
  cat > "$PGB/pgbouncer.ini" <<EOF
[databases]
* = host=$DIR port=$PORT
[pgbouncer]
listen_addr =
listen_port = $PGB_PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $PGB/users.txt
pool_mode = session
server_reset_query = DISCARD ALL
ignore_startup_parameters = options
query_timeout = 30
default_pool_size = 20
max_client_conn = 200
logfile = $PGB/pgbouncer.log
pidfile = $PGB/pgbouncer.pid
EOF
  echo '"dos" ""' > "$PGB/users.txt"
  [ "$(id -u)" = 0 ] && chown -R "$RUNAS" "$PGB"
  as_server pgbouncer -d -q "$PGB/pgbouncer.ini" || { cat "$PGB/pgbouncer.log" >&2; exit 1; }
  for _ in $(seq 50); do [ -S "$DIR/.s.PGSQL.$PGB_PORT" ] && break; sleep 0.1; done
  pgbouncer_url
}

pgbouncer_down() {
  if [ -f "$PGB/pgbouncer.pid" ]; then
    kill "$(cat "$PGB/pgbouncer.pid")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$PGB/pgbouncer.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
  fi
}

down() {
  pgbouncer_down
  if BIN=$(find_bin) && running; then
    as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null || true
  fi
  rm -rf "$DIR"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  url) url ;;
  tcp-url) tcp_url ;;
  tls-dir) echo "$TLS" ;;
  pgbouncer-up) pgbouncer_up ;;
  pgbouncer-url) pgbouncer_url ;;
  restart-immediate)
    BIN=$(find_bin); as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -m immediate \
      -o "$(SERVER_OPTS)" restart >/dev/null ;;
  stop-keep) BIN=$(find_bin); as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null ;;
  start) BIN=$(find_bin); start_server ;;
  *) echo "usage: $0 up|down|url|tcp-url|tls-dir|pgbouncer-up|pgbouncer-url|restart-immediate|stop-keep|start" >&2; exit 2 ;;
esac
