#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests.
#
#   eval "$(.ci/postgres.sh start)"   # exports COINTALLY_TEST_POSTGRES
#   go test ./pgstore/...
#   .ci/postgres.sh stop
#
# start runs initdb into a fresh state directory ($COINTALLY_PG_DIR, default
# ${TMPDIR:-/tmp}/cointally-pg-$UID), starts the server on 127.0.0.1 on a free
# port (TCP only from loopback; the Unix socket lives in the state directory),
# creates the role cointally_test (LOGIN CREATEDB, random password) and its
# database, and prints an export line with the postgres:// URL. PostgreSQL
# refuses to run as root, so as root the server runs as an unprivileged
# system user ($COINTALLY_PG_USER, default cointally-pg, created if missing).
# The binaries come from $PGBIN, else the directory of initdb on PATH
# (/usr/local/bin here), else /usr/lib/postgresql/15/bin.
# stop stops the server and removes the state directory.
set -euo pipefail

state=${COINTALLY_PG_DIR:-${TMPDIR:-/tmp}/cointally-pg-$(id -u)}
osuser=${COINTALLY_PG_USER:-cointally-pg}
if [ -z "${PGBIN:-}" ]; then
  if command -v initdb >/dev/null 2>&1; then
    PGBIN=$(dirname "$(command -v initdb)")
  else
    PGBIN=/usr/lib/postgresql/15/bin
  fi
fi

# as runs a command as the server's user: directly when not root.
as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$osuser" -- "$@"
  else
    "$@"
  fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  if [ -f "$state/data/postmaster.pid" ]; then
    (cd / && as "$PGBIN/pg_ctl" -D "$state/data" -m fast -w -t 30 stop >/dev/null) || true
  fi
  rm -rf "$state"
}

start() {
  for bin in initdb pg_ctl postgres; do
    [ -x "$PGBIN/$bin" ] || { echo "postgres.sh: $PGBIN/$bin not found (set PGBIN)" >&2; exit 1; }
  done
  if [ "$(id -u)" -eq 0 ] && ! id -u "$osuser" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$osuser"
  fi
  stop
  mkdir -p "$state"
  chmod 700 "$state"
  [ "$(id -u)" -eq 0 ] && chown "$osuser": "$state"
  # The tools warn when they cannot read the working directory.
  cd "$state"
  local password
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  as "$PGBIN/initdb" -D "$state/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C --no-sync >"$state/initdb.log" 2>&1 ||
    { cat "$state/initdb.log" >&2; exit 1; }
  # Single-user mode creates the test role and database without psql.
  as "$PGBIN/postgres" --single -D "$state/data" postgres >"$state/single.log" 2>&1 <<SQL ||
CREATE ROLE cointally_test LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE cointally_test OWNER cointally_test;
SQL
    { cat "$state/single.log" >&2; exit 1; }
  local port tries=0
  while :; do
    port=$(( 20000 + (RANDOM % 20000) ))
    port_free "$port" || continue
    if as "$PGBIN/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $state -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
      break
    fi
    tries=$((tries + 1))
    if [ "$tries" -ge 5 ]; then
      echo "postgres.sh: the server did not start:" >&2
      tail -20 "$state/server.log" >&2
      exit 1
    fi
  done
  echo "export COINTALLY_TEST_POSTGRES='postgres://cointally_test:$password@127.0.0.1:$port/cointally_test?sslmode=disable'"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
