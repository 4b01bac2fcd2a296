#!/usr/bin/env bash
# Runs every test suite of LiveOrleans and ends with one line: "N passed, N failed, N skipped".
# Installs what the suites need when it is missing (today: only the .NET SDK's own restore).
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

run_dotnet

echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
