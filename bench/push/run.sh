#!/usr/bin/env bash
# Ingest-to-push latency benchmark, this build beside an earlier one: builds both Apis in Release, installs the
# JavaScript SignalR client, runs bench/push/push-latency.js.
# Usage (from anywhere): bash bench/push/run.sh [baseline commit|none] [dashboard counts] [seconds] [runs] [events/s] [warm-up seconds]
#   baseline: default 0ea4ceb, the last commit before the engine moved onto Orleans; "none" measures this build only
# Fairness between tenants (bench/push/fairness.js): bash bench/push/run.sh --fairness [baseline|none] [seconds] [runs] [flood events/s]
set -euo pipefail
cd "$(dirname "$0")/../.."
script=bench/push/push-latency.js
if [ "${1:-}" = --fairness ]; then script=bench/push/fairness.js; shift; fi
base=${1:-0ea4ceb}
shift || true
dotnet build -c Release Api --nologo -v quiet >/dev/null   # builds the Simulator beside it
(cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error)
builds="after=$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll"
if [ "$base" != none ]; then
  work="$(mktemp -d)/before"
  git worktree add --detach --quiet "$work" "$base"
  trap 'git worktree remove --force "$work"' EXIT
  dotnet build -c Release "$work/Api" --nologo -v quiet >/dev/null
  builds="before=$work/Api/bin/Release/net10.0/LiveOrleans.Api.dll,$builds"
fi
LIVEORLEANS_PUSH_BUILDS="$builds" node "$script" "$@"
