#!/usr/bin/env bash
# Ingest-to-push latency benchmark: builds the Api in Release, installs the JavaScript SignalR client, runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release Api --nologo -v quiet >/dev/null   # builds the Simulator beside it
(cd tests/hubs && npm ci --no-audit --no-fund --loglevel=error)
LIVEORLEANS_API_DLL="$PWD/Api/bin/Release/net10.0/LiveOrleans.Api.dll" node bench/push/push-latency.js "$@"
