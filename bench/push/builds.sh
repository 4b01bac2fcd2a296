# Sourced by the Node.js benchmarks' runners (bench/push/run.sh, bench/tokens/run.sh): builds this tree's Api in
# Release (the Simulator beside it), installs the JavaScript SignalR client, and unless the baseline is "none" builds
# that commit in a temporary git worktree, removed when the runner exits. Sets $builds for LIVEORLEANS_PUSH_BUILDS.
# Usage: source bench/push/builds.sh; engine_builds BASELINE
engine_builds() {
  dotnet build -c Release Api --nologo -v quiet >/dev/null
  (cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error)
  builds="after=$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll"
  if [ "$1" != none ]; then
    work="$(mktemp -d)/before"
    git worktree add --detach --quiet "$work" "$1"
    trap 'git worktree remove --force "$work"' EXIT
    dotnet build -c Release "$work/Api" --nologo -v quiet >/dev/null
    builds="before=$work/Api/bin/Release/net10.0/LiveOrleans.Api.dll,$builds"
  fi
}
