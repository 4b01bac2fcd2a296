#!/usr/bin/env bash
# Starts a private PostgreSQL server for LiveOrleans' cluster mode: Debian's postgresql (installed when missing),
# a fresh cluster initialised in a folder of its own, on a free port of 127.0.0.1, run as the postgres user.
#
#   scripts/postgres.sh start DIR    initialises DIR (unless it holds a cluster already), starts the server, and
#                                    prints the connection string (database "liveorleans", user "postgres")
#   scripts/postgres.sh stop DIR     stops it
#   scripts/postgres.sh createdb DIR NAME   creates a database NAME on the running server of DIR; prints its connection string
#
# Nothing here listens beyond 127.0.0.1, and the server trusts local connections only: it is for tests, benchmarks
# and trying a cluster on one machine, not for production (see docs/cluster.md).
set -euo pipefail

command_name=${1:-}
dir=${2:-}
[ -n "$command_name" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|createdb DIR [NAME]" >&2; exit 2; }

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

ensure_postgres() {
  if [ -z "$(find_bin)" ]; then
    echo "postgresql is missing: installing Debian's package." >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  fi
  bin=$(find_bin) || { echo "postgresql could not be installed" >&2; exit 1; }
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

connection_string() {
  echo "Host=127.0.0.1;Port=$(cat "$dir/port");Username=postgres;Database=$1"
}

case "$command_name" in
  start)
    ensure_postgres
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=$(free_port)
    echo "$port" >"$dir/port"
    # fsync stays on: acknowledged means on disk, as in production. Sockets only on 127.0.0.1 and in DIR.
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 -c shared_buffers=256MB" start >&2 \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
      "SELECT 1 FROM pg_database WHERE datname = 'liveorleans'" | grep -q 1 \
      || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres liveorleans
    connection_string liveorleans
    ;;
  createdb)
    bin=$(find_bin)
    name=${3:?usage: $0 createdb DIR NAME}
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres "$name"
    connection_string "$name"
    ;;
  stop)
    bin=$(find_bin)
    [ -f "$dir/data/PG_VERSION" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    ;;
  *)
    echo "usage: $0 start|stop|createdb DIR [NAME]" >&2; exit 2
    ;;
esac
