#!/usr/bin/env bash
# Runs every test suite of LiveOrleans and ends with one line: "N passed, N failed" (", N skipped" if any).
# Installs what the suites need when it is missing: the .NET restore, and the hub tests' npm packages.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
log_dir="${TMPDIR:-/tmp}/liveorleans-tests"
mkdir -p "$log_dir"

# .NET: every test project of the solution (runtime, grains, HTTP API, crash recovery).
run_dotnet() {
  local log="$log_dir/dotnet.log"
  dotnet test LiveOrleans.sln --nologo 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  local p f s
  p=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  f=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  s=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "dotnet test exited with $code without a failed test: counting the run as one failure (build error or crashed test host)."
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# Hubs: the official JavaScript SignalR client (@microsoft/signalr) against the real Api built above.
run_hubs() {
  local log="$log_dir/hubs.log"
  if ! command -v node >/dev/null 2>&1; then
    echo "node is missing: the hub tests need Node.js 20 or later."
    failed=$((failed + 1))
    return
  fi
  (cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tests/hubs"; failed=$((failed + 1)); return; }
  (cd tests/hubs && node --test --test-concurrency=1 --test-reporter=tap) 2>&1 | tee "$log"
  local code=${PIPESTATUS[0]}
  local p f c s
  p=$(grep -Eo '^# pass [0-9]+' "$log" | awk '{print $3}' | tail -1)
  f=$(grep -Eo '^# fail [0-9]+' "$log" | awk '{print $3}' | tail -1)
  c=$(grep -Eo '^# cancelled [0-9]+' "$log" | awk '{print $3}' | tail -1)
  s=$(grep -Eo '^# skipped [0-9]+' "$log" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=$(( ${f:-0} + ${c:-0} )); s=${s:-0}
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "node --test exited with $code without a failed test: counting one failure."
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

run_dotnet
run_hubs

echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
