#!/usr/bin/env bash
# Token benchmark, this build beside an earlier one: builds both Apis in Release, installs the JavaScript SignalR
# client, runs bench/tokens/tokens.js (engine on core 0, clients on core 1).
# Usage (from anywhere): bash bench/tokens/run.sh [baseline commit|none] [rates] [seconds] [runs] [options]
#   baseline: default 6873370 (the commit before the token work); "none" measures this build only
#   rates: comma list of total deltas/s, 0 = closed loop; options: see bench/tokens/tokens.js (--http, --dashboards N, ...)
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:-6873370}
shift || true
source bench/push/builds.sh
engine_builds "$base"
LIVEORLEANS_PUSH_BUILDS="$builds" node bench/tokens/tokens.js "$@"
