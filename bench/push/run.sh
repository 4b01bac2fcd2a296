#!/usr/bin/env bash
# Ingest-to-push latency benchmark, this build beside an earlier one: builds both Apis in Release, installs the
# JavaScript SignalR client, runs bench/push/push-latency.js.
# Usage (from anywhere): bash bench/push/run.sh [baseline commit|none] [dashboard counts] [seconds] [runs] [events/s] [warm-up seconds]
#   baseline: default 0ea4ceb, the last commit before the engine moved onto Orleans; "none" measures this build only
# Fairness between tenants (bench/push/fairness.js): bash bench/push/run.sh --fairness [baseline|none] [seconds] [runs] [flood events/s]
# Cluster mode beside embedded, this build (a private PostgreSQL server is started; each cluster engine is a Silo
# process and the Api joined to it): bash bench/push/run.sh --cluster [dashboard counts] [seconds] [runs] [events/s] [warm-up]
set -euo pipefail
cd "$(dirname "$0")/../.."
script=bench/push/push-latency.js
if [ "${1:-}" = --fairness ]; then script=bench/push/fairness.js; shift; fi
if [ "${1:-}" = --cluster ]; then
  shift
  pg_dir="$(mktemp -d)"
  chmod 755 "$pg_dir"
  trap 'scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
  connection=$(scripts/postgres.sh start "$pg_dir")
  export LIVEORLEANS_POSTGRES="${connection%Database=*}Database=postgres"
  dotnet build -c Release Api --nologo -v quiet >/dev/null
  (cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error)
  dll="$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll"
  LIVEORLEANS_PUSH_BUILDS="embedded=$dll,cluster=$dll@cluster" node "$script" "$@"
  exit
fi
base=${1:-0ea4ceb}
shift || true
source bench/push/builds.sh
engine_builds "$base"
LIVEORLEANS_PUSH_BUILDS="$builds" node "$script" "$@"
