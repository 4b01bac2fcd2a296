#!/usr/bin/env bash
# Runs every test suite of LiveOrleans and ends with one line: "N passed, N failed" (", N skipped" if any).
# Suites: .NET (xUnit: store on SQLite and on PostgreSQL, grains on a TestCluster, HTTP API, crash recovery, the
# cluster failover test), the dashboard's unit tests (Vitest), the hubs with the official JavaScript SignalR client,
# the dashboard in a real headless Chromium; then the black-box HTTP and hub suites again against cluster mode
# (PostgreSQL; each engine a cluster of processes).
# Installs what the suites need when it is missing: the .NET restore, npm packages, Debian's chromium and postgresql
# (a private server is started on a free port in a temporary folder, and stopped at the end).
# Logs go to a fresh temporary folder, printed at the start.
#
# With arguments it runs only those categories, for a fast inner loop (CONTRIBUTING.md):
#   scripts/test.sh unit            # pure .NET unit tests, seconds
#   scripts/test.sh grains store    # TestCluster grain tests; the store on SQLite and PostgreSQL
#   scripts/test.sh http hubs       # the Api through HTTP / SignalR (.NET and the JavaScript hub tests)
#   scripts/test.sh cluster         # the multi-process cluster tests (PostgreSQL)
#   scripts/test.sh dashboard browser
# .NET categories are the tests' [Trait("Category", …)]; `dotnet test --filter Category=unit` does the same by hand.
set -uo pipefail
cd "$(dirname "$0")/.."

only=("$@")
for category in "${only[@]}"; do
  case "$category" in
    unit|grains|store|http|hubs|cluster|dashboard|browser) ;;
    *) echo "unknown category '$category': unit, grains, store, http, hubs, cluster, dashboard or browser" >&2; exit 2 ;;
  esac
done
wants() { [ ${#only[@]} -eq 0 ] && return 0; local c; for c in "${only[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

passed=0
failed=0
skipped=0
log_dir="$(mktemp -d "${TMPDIR:-/tmp}/liveorleans-tests.XXXXXX")"
echo "logs: $log_dir"
export LIVEORLEANS_TEST_LOGS="$log_dir"

# PostgreSQL for cluster mode: a private server (the postgres user runs it, so its folder is not under the logs' private one).
pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/liveorleans-pg.XXXXXX")"
chmod 755 "$pg_dir"
stop_postgres() { scripts/postgres.sh stop "$pg_dir" >/dev/null 2>&1; rm -rf "$pg_dir"; }
trap stop_postgres EXIT
if ! wants store && ! wants cluster; then
  echo "postgresql: not needed for this subset"
elif pg_connection=$(scripts/postgres.sh start "$pg_dir" 2>"$log_dir/postgres.log"); then
  export LIVEORLEANS_POSTGRES="${pg_connection%Database=*}Database=postgres"
  echo "postgresql: $pg_connection (server log: $pg_dir/server.log)"
else
  echo "postgresql could not be started (see $log_dir/postgres.log): the cluster tests will fail."
fi

# .NET: every test project of the solution (runtime, grains, HTTP API, crash recovery, cluster failover).
run_dotnet() {
  local log="$log_dir/dotnet.log"
  dotnet test LiveOrleans.sln --nologo 2>&1 | tee "$log"
  count_dotnet "$log" "${PIPESTATUS[0]}"
}

# The HTTP API suites again, in cluster mode on PostgreSQL (the failover test already ran: it starts its own cluster).
run_dotnet_cluster() {
  local log="$log_dir/dotnet-cluster.log"
  LIVEORLEANS_TEST_CLUSTER=1 dotnet test tests/Api.Tests --nologo --no-build --filter "FullyQualifiedName!~LiveOrleans.Api.Tests.Cluster" 2>&1 | tee "$log"
  count_dotnet "$log" "${PIPESTATUS[0]}"
}

count_dotnet() {
  local log=$1 code=$2
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

# Hubs: the official JavaScript SignalR client (@microsoft/signalr) against the real Api built above
# ("cluster": against clusters, each a Silo process and the Api on a PostgreSQL database of its own).
run_hubs() {
  local mode=${1:-embedded}
  local cluster=0
  [ "$mode" = cluster ] && cluster=1
  local log="$log_dir/hubs-$mode.log"
  if ! command -v node >/dev/null 2>&1; then
    echo "node is missing: the hub, dashboard and browser tests need Node.js 20 or later."
    failed=$((failed + 1))
    return
  fi
  (cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tests/hubs"; failed=$((failed + 1)); return; }
  (cd tests/hubs && LIVEORLEANS_TEST_CLUSTER=$cluster node --test --test-concurrency=1 --test-reporter=tap) 2>&1 | tee "$log"
  count_tap "$log" "${PIPESTATUS[0]}" "the hub tests ($mode)"
}

# Counts a node --test TAP log into the totals.
count_tap() {
  local log=$1 code=$2 what=$3
  local p f c s
  p=$(grep -Eo '^# pass [0-9]+' "$log" | awk '{print $3}' | tail -1)
  f=$(grep -Eo '^# fail [0-9]+' "$log" | awk '{print $3}' | tail -1)
  c=$(grep -Eo '^# cancelled [0-9]+' "$log" | awk '{print $3}' | tail -1)
  s=$(grep -Eo '^# skipped [0-9]+' "$log" | awk '{print $3}' | tail -1)
  p=${p:-0}; f=$(( ${f:-0} + ${c:-0} )); s=${s:-0}
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "$what exited with $code without a failed test: counting one failure."
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# Dashboard unit tests (Vitest): filters, formatting, the safe markdown renderer, the live store.
run_dashboard_units() {
  local json="$log_dir/vitest.json"
  (cd Dashboard && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in Dashboard"; failed=$((failed + 1)); return; }
  (cd Dashboard && npx vitest run --reporter=default --reporter=json --outputFile="$json") 2>&1 | tee "$log_dir/vitest.log"
  local code=${PIPESTATUS[0]}
  if [ ! -s "$json" ]; then echo "Vitest wrote no report (exit $code): counting one failure."; failed=$((failed + 1)); return; fi
  local p f s
  read -r p f s < <(node -e 'const r = require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests, r.numPendingTests + r.numTodoTests)' "$json")
  if [ "$code" -ne 0 ] && [ "$f" -eq 0 ]; then echo "Vitest exited with $code without a failed test: counting one failure."; f=1; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# The browser needs Debian's Chromium; installed when missing (never a browser downloaded by a tool).
ensure_chromium() {
  [ -x "${LIVEORLEANS_CHROMIUM:-/usr/bin/chromium}" ] && return 0
  echo "chromium is missing: installing Debian's package."
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  $sudo apt-get update -qq >"$log_dir/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >>"$log_dir/apt.log" 2>&1
}

# The dashboard in a real headless Chromium against the real Api (built by the .NET step, dashboard included).
run_browser() {
  local log="$log_dir/browser.log"
  ensure_chromium || { echo "chromium could not be installed (see $log_dir/apt.log)"; failed=$((failed + 1)); return; }
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tests/browser"; failed=$((failed + 1)); return; }
  (cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in tests/hubs"; failed=$((failed + 1)); return; }
  (cd tests/browser && node --test --test-concurrency=1 --test-reporter=tap) 2>&1 | tee "$log"
  count_tap "$log" "${PIPESTATUS[0]}" "the browser tests"
}

# A subset: the .NET tests of the categories asked for, then the other suites asked for.
run_dotnet_subset() {
  local filter="" category
  for category in unit grains store http hubs cluster; do
    wants "$category" && filter="${filter:+$filter|}Category=$category"
  done
  if [ -z "$filter" ]; then
    # The browser suite needs the Api built (the .NET step builds it otherwise).
    wants browser && { dotnet build LiveOrleans.sln --nologo -v quiet >"$log_dir/build.log" 2>&1 || { echo "the build failed (see $log_dir/build.log)"; failed=$((failed + 1)); }; }
    return
  fi
  local log="$log_dir/dotnet.log"
  dotnet test LiveOrleans.sln --nologo --filter "$filter" 2>&1 | tee "$log"
  count_dotnet "$log" "${PIPESTATUS[0]}"
}

if [ ${#only[@]} -eq 0 ]; then
  run_dotnet
  run_dashboard_units
  run_hubs embedded
  run_browser
  run_dotnet_cluster
  run_hubs cluster
else
  run_dotnet_subset
  if wants dashboard; then run_dashboard_units; fi
  if wants hubs; then run_hubs embedded; fi
  if wants browser; then run_browser; fi
fi

# What failed, repeated at the end with its message (a CI page that shows only the tail still says what and why).
summarize_failures() {
  local log
  for log in "$log_dir"/dotnet*.log; do
    [ -f "$log" ] || continue
    # xUnit's console logger: "  Failed Name [time]", then "  Error Message:" and its lines up to "  Stack Trace:".
    awk '/^  Failed / { on = 1; n = 0 } /^  Stack Trace:/ { on = 0 } on && n < 40 { print; n++ }' "$log"
  done
  for log in "$log_dir"/hubs-*.log "$log_dir"/browser.log; do
    [ -f "$log" ] || continue
    # TAP: "not ok N - name" and its YAML block up to "  ...".
    awk '/^not ok / { on = 1; n = 0 } on && n < 40 { print; n++ } on && /^  \.\.\.$/ { on = 0 }' "$log"
  done
}

echo
if [ "$failed" -gt 0 ]; then
  echo "what failed:"
  summarize_failures | cut -c1-400
fi
if [ -s "$log_dir/cluster-figures.txt" ]; then
  echo "cluster figures measured by the tests:"
  cat "$log_dir/cluster-figures.txt"
fi
echo
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
