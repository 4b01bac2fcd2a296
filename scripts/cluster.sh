#!/usr/bin/env bash
# Runs LiveOrleans' cluster topology (the one docker-compose.yml describes) as plain processes on this machine:
# a private PostgreSQL server, two Silo processes and two Api nodes — api1 a silo too (it serves Orleans' dashboard at
# /orleans), api2 an Orleans client only. Ctrl+C stops them all, then PostgreSQL; the data stays for the next run.
#
#   scripts/cluster.sh [--demo]
#
# Environment (optional): LIVEORLEANS_CLUSTER_DATA (default data/cluster: PostgreSQL's files and the logs),
# API1_PORT (5080), API2_PORT (5081), and any engine setting, e.g. Bootstrap__AdminPassword=change-me.
# --demo plays the simulator's traffic into the demo tenant through api1.
set -euo pipefail
cd "$(dirname "$0")/.."

data=${LIVEORLEANS_CLUSTER_DATA:-data/cluster}
api1_port=${API1_PORT:-5080}
api2_port=${API2_PORT:-5081}
demo=()
for arg in "$@"; do
  case "$arg" in
    --demo) demo=(--demo) ;;
    *) echo "usage: $0 [--demo]" >&2; exit 2 ;;
  esac
done

mkdir -p "$data/logs"
data=$(cd "$data" && pwd)
echo "building (Api and Silo)…"
dotnet build Api --nologo -v quiet -clp:ErrorsOnly >/dev/null

connection=$(scripts/postgres.sh start "$data/postgres")
echo "postgresql: $connection (its log: $data/postgres/server.log)"

export Storage__Provider=PostgreSql
export ConnectionStrings__PostgreSql="$connection"
export Orleans__ClusterId=${Orleans__ClusterId:-liveorleans}
export Orleans__AdvertisedIP=${Orleans__AdvertisedIP:-127.0.0.1}
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Production}
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping the cluster…"
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  scripts/postgres.sh stop "$data/postgres" || true
  echo "stopped; the data stays in $data"
}
trap stop INT TERM EXIT

silo() { # name silo-port gateway-port
  Orleans__SiloPort=$2 Orleans__GatewayPort=$3 dotnet Silo/bin/Debug/net10.0/LiveOrleans.Silo.dll >"$data/logs/$1.log" 2>&1 &
  pids+=($!)
}
api() { # name http-port role silo-port gateway-port [args]
  local name=$1 port=$2 role=$3 silo_port=$4 gateway_port=$5
  shift 5
  Orleans__Role=$role Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port \
    dotnet Api/bin/Debug/net10.0/LiveOrleans.Api.dll --urls "http://localhost:$port" "$@" >"$data/logs/$name.log" 2>&1 &
  pids+=($!)
}

silo silo1 11111 30000
silo silo2 11112 30001
api api1 "$api1_port" Silo 11113 30002 "${demo[@]}"
api api2 "$api2_port" Client 11114 30003

for port in "$api1_port" "$api2_port"; do
  for _ in $(seq 1 120); do
    curl -sf "http://localhost:$port/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf "http://localhost:$port/health" >/dev/null 2>&1 || { echo "the Api node on port $port did not start: see $data/logs/"; exit 1; }
done

cat <<INFO

LiveOrleans cluster running: 2 silos, 2 Api nodes, PostgreSQL.
  api1 (silo + Api):   http://localhost:$api1_port/   Orleans' dashboard: http://localhost:$api1_port/orleans
  api2 (client + Api): http://localhost:$api2_port/
  logs:                $data/logs/ (a first start prints the generated admin password and ingest key in api1.log or api2.log)
Press Ctrl+C to stop.
INFO
grep -h -A6 'LiveOrleans bootstrap' "$data"/logs/api*.log 2>/dev/null || true
wait "${pids[@]}"
