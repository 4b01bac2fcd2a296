#!/usr/bin/env bash
# Restarts the engine on a copy of a store the sessions benchmark kept (BENCH_KEEP_STORE=1) and prints, from the
# launch, when sign-in and four live queries (summary, cards, metrics bar, q=refund) first answered, with the index
# shard's load lines. With "perf" as the second argument the engine runs under `perf record -g` (perf map on), for
# `perf script -i /tmp/perf-restart.data`. The copy's idle time-out is off, so an aging store keeps its sessions live.
# Usage: bash bench/restart-kept-store.sh STORE_DIR [perf]     (DLL=... picks another build of the Api)
set -u
src=$1; mode=${2:-}
dll=${DLL:-$(cd "$(dirname "$0")/.." && pwd)/Api/bin/Release/net10.0/LiveOrleans.Api.dll}
run=$(mktemp -d /tmp/lo-restart-XXXXXX); cp -r "$src"/. "$run"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port=$(free_port)
export ASPNETCORE_ENVIRONMENT=Production Storage__SqlitePath=$run/live.db Bootstrap__Tenant=bench \
  Bootstrap__AdminPassword=bench-password Bootstrap__IngestKey=lo_bench_key Ingest__EventsPerSecondPerTenant=10000000 \
  Logging__LogLevel__Default=Information Logging__Console__TimestampFormat="HH:mm:ss.fff " \
  Orleans__SiloPort=$(free_port) Orleans__GatewayPort=$(free_port) Live__MaxLiveSessionsPerTenant=0 \
  Live__InactiveSessionTimeout=00:00:00
cd "$run"
t0=$(date +%s.%N)
if [ "$mode" = perf ]; then
  export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
  perf record -F 999 -g -o /tmp/perf-restart.data -- dotnet "$dll" --urls "http://127.0.0.1:$port" > "$run/engine.log" 2>&1 &
else
  dotnet "$dll" --urls "http://127.0.0.1:$port" > "$run/engine.log" 2>&1 &
fi
pid=$!
python3 - "$port" "$t0" <<'PY'
import json, sys, threading, time, urllib.request
port, t0 = sys.argv[1], float(sys.argv[2]); base = f"http://127.0.0.1:{port}"
elapsed = lambda: time.time() - t0
token = None
while token is None and elapsed() < 120:
    try:
        body = json.dumps({"tenant": "bench", "username": "admin", "password": "bench-password"}).encode()
        answer = urllib.request.urlopen(urllib.request.Request(base + "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}), timeout=2)
        token = json.load(answer)["accessToken"]
    except Exception:
        time.sleep(0.05)
print(f"signed in {elapsed():.1f} s", flush=True)
queries = {"summary": "/api/v1/live/summary", "cards": "/api/v1/live/sessions?limit=50", "metrics bar": "/api/v1/live/metrics", "q=refund": "/api/v1/live/sessions?limit=50&q=refund"}
def probe(name, path):
    while elapsed() < 120:
        try:
            if urllib.request.urlopen(urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token}), timeout=60).status == 200:
                print(f"{name} {elapsed():.1f} s", flush=True); return
        except Exception:
            time.sleep(0.1)
threads = [threading.Thread(target=probe, args=item) for item in queries.items()]
for t in threads: t.start()
for t in threads: t.join()
PY
sleep 2
grep -a "entries read\|keyword search" "$run/engine.log" | cut -c1-200
engine=$(pgrep -P "$pid" dotnet || echo "$pid")   # under perf, the engine is perf's child
kill -TERM "$engine"; wait "$pid" 2>/dev/null
rm -rf "$run"
