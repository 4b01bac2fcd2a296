#!/usr/bin/env bash
# Where an ingested event's time goes: runs the ingest benchmark once on this build (Release) and records the engine
# process with `perf record -g` (perf map on) for a window inside the measured part, then prints the CPU per event
# and its breakdown by stage (bench/profile/breakdown.py).
# Usage (from anywhere): bash bench/profile/ingest.sh [batch events] [perf seconds] [senders]
#   e.g. bash bench/profile/ingest.sh 500 15      bash bench/profile/ingest.sh 12 15 32
# Keeps perf's data in $PROFILE_DIR (default a fresh temp folder, printed) for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/../.."
batch=${1:-500}; window=${2:-15}; senders=${3:-16}
warmup=25
out=${PROFILE_DIR:-$(mktemp -d /tmp/lo-profile-XXXXXX)}
dotnet build -c Release Api --nologo -v quiet >/dev/null
dotnet build -c Release bench/LiveOrleans.Bench --nologo -v quiet >/dev/null
# The harness passes its environment on to the engine it starts: perf map on for the engine's JIT-compiled code.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet bench/LiveOrleans.Bench/bin/Release/net10.0/LiveOrleans.Bench.dll \
  ingest $((window + 10)) 1 --warmup $warmup --batch "$batch" --senders "$senders" \
  --after "$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll" > "$out/bench.txt" 2>&1 &
bench=$!
engine=""
for _ in $(seq 1 600); do
  engine=$(pgrep -f "LiveOrleans.Api.dll --urls" | head -1 || true)
  [ -n "$engine" ] && break
  sleep 0.1
done
[ -n "$engine" ] || { echo "the engine did not start"; cat "$out/bench.txt"; exit 1; }
sleep $((warmup + 8))   # start-up (a few seconds) and the warm-up, then 2 s into the measured part
read -r _ _ _ _ _ _ _ _ _ _ _ _ _ utime stime _ < "/proc/$engine/stat"
cpu0=$((utime + stime))
perf record -F 999 -g -p "$engine" -o "$out/perf.data" -- sleep "$window" 2> "$out/perf-record.txt"
read -r _ _ _ _ _ _ _ _ _ _ _ _ _ utime stime _ < "/proc/$engine/stat"
cpu1=$((utime + stime))
wait $bench
cat "$out/bench.txt" | grep -v '^build'
ticks=$(getconf CLK_TCK)
cpu=$(python3 -c "print(($cpu1 - $cpu0) / $ticks)")
rate=$(sed -n "s/.*run 1: \([0-9,]*\) events\/s.*/\1/p" "$out/bench.txt" | tr -d , | head -1)
echo "engine CPU over the ${window} s window: ${cpu} s; events/s of the run: ${rate}"
perf script -i "$out/perf.data" -F comm,tid,ip,sym,dso 2>/dev/null > "$out/perf.txt"
python3 bench/profile/breakdown.py "$out/perf.txt" --cpu-seconds "$cpu" --events "$((rate * window))"
echo "perf data: $out/perf.data"
