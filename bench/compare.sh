#!/usr/bin/env bash
# Runs the benchmarks on this build and on an earlier one, side by side in one run, and prints the ratios.
# Usage (from anywhere): bash bench/compare.sh [baseline commit] [what] [seconds] [runs] [--sessions N]
#   baseline: default 0ea4ceb, the last commit before the engine moved onto Orleans
#   what: raw | ingest | query | sessions | calls | all (default all)
# Cluster mode beside embedded, this build only, in one run (a private PostgreSQL server is started and stopped):
#   bash bench/compare.sh --cluster [what] [seconds] [runs] [options]
# Scale-out: this build embedded, then clusters of 1, 2 and 3 silos (the Api an Orleans client), each silo confined
# to 0.3 of a core by a cgroup (root; see bench/README.md "Issue 21"):
#   bash bench/compare.sh --cluster scaleout [seconds] [runs] [--silos 1,2,3] [--quota 0.3] [--tenants 8]
# Both builds in cluster mode, side by side in one run:
#   bash bench/compare.sh --cluster-against <baseline commit> [what] [seconds] [runs] [options]
set -euo pipefail
cd "$(dirname "$0")/.."
start_postgres() {
  pg_dir="$(mktemp -d)"
  chmod 755 "$pg_dir"
  connection=$(scripts/postgres.sh start "$pg_dir")
  export LIVEORLEANS_POSTGRES="${connection%Database=*}Database=postgres"
  # The postmaster: the benchmark counts the server's CPU (its backends' too) in a cluster's CPU per event.
  LIVEORLEANS_POSTGRES_PID=$(head -1 "$pg_dir/data/postmaster.pid")
  export LIVEORLEANS_POSTGRES_PID
  echo "PostgreSQL: $connection"
}
cleanup() {
  if [ -n "${pg_dir:-}" ]; then scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; fi
  if [ -n "${work:-}" ]; then git worktree remove --force "$work"; fi
}
trap cleanup EXIT
if [ "${1:-}" = --cluster ]; then
  shift
  start_postgres
  echo "building $(git rev-parse --short HEAD) in Release"
  dotnet build -c Release Api --nologo -v quiet >/dev/null
  dotnet build -c Release bench/LiveOrleans.Bench --nologo -v quiet >/dev/null
  dotnet bench/LiveOrleans.Bench/bin/Release/net10.0/LiveOrleans.Bench.dll "$@" --cluster \
    --after "$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll"
  exit
fi
mode=()
if [ "${1:-}" = --cluster-against ]; then
  shift
  start_postgres
  mode=(--cluster)
fi
base=${1:-0ea4ceb}
shift || true
work="$(mktemp -d)/before"
git worktree add --detach --quiet "$work" "$base"
echo "building $base (before) and $(git rev-parse --short HEAD) (after) in Release..."
dotnet build -c Release "$work/Api" --nologo -v quiet >/dev/null
dotnet build -c Release Api --nologo -v quiet >/dev/null
dotnet build -c Release bench/LiveOrleans.Bench --nologo -v quiet >/dev/null
dotnet bench/LiveOrleans.Bench/bin/Release/net10.0/LiveOrleans.Bench.dll "$@" "${mode[@]}" \
  --before "$work/Api/bin/Release/net10.0/LiveOrleans.Api.dll" \
  --after "$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll"
