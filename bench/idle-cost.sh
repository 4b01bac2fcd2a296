#!/usr/bin/env bash
# What an engine costs with no traffic: the embedded engine's CPU (from /proc) over 30 s idle when fresh, then after
# a load of the simulator's load mode (the sessions it leaves live), twice. Builds the Api and the Simulator in Release.
# Usage (from anywhere): bash bench/idle-cost.sh [events/s] [seconds of load]      (defaults 5000 and 60)
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-5000}; load=${2:-60}; port=${PORT:-5999}
dotnet build -c Release Api --nologo -v quiet >/dev/null
dotnet build -c Release Simulator --nologo -v quiet >/dev/null
dir=$(mktemp -d)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sample() { local a b; a=$(cpu "$1"); sleep "$2"; b=$(cpu "$1"); awk -v a="$a" -v b="$b" -v s="$2" 'BEGIN { printf "%.3f", (b - a) / 100 / s }'; }
ASPNETCORE_ENVIRONMENT=Production Storage__SqlitePath="$dir/live.db" Bootstrap__Tenant=bench Bootstrap__AdminPassword=bench-password \
  Bootstrap__IngestKey=lo_idle_key Ingest__EventsPerSecondPerTenant=10000000 Logging__LogLevel__Default=Warning \
  Orleans__SiloPort=$((port + 1)) Orleans__GatewayPort=$((port + 2)) \
  dotnet Api/bin/Release/net10.0/LiveOrleans.Api.dll --urls "http://127.0.0.1:$port" > "$dir/engine.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.5; done
sleep 10
echo "fresh engine, no traffic: $(sample $pid 30) cores"
dotnet Simulator/bin/Release/net10.0/LiveOrleans.Simulator.dll --url "http://127.0.0.1:$port" --key lo_idle_key --seed 7 --rate "$rate" --seconds "$load" | tail -1
token=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d '{"tenant":"bench","username":"admin","password":"bench-password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])')
live=$(curl -s "http://127.0.0.1:$port/api/v1/live/summary" -H "Authorization: Bearer $token" | python3 -c 'import json, sys; print(json.load(sys.stdin)["activeConversations"])')
echo "live sessions after the load: $live"
sleep 5
echo "after the load, no traffic (5-35 s): $(sample $pid 30) cores"
echo "after the load, no traffic (35-65 s): $(sample $pid 30) cores"
