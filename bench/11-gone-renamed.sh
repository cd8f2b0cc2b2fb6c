#!/bin/bash
# Benchmark 11: planning after a renamed tree (many targets whose sources are gone), on the fake hosts, no guest
# (bench/gone-renamed.ts). BENCH_GONE_BEFORE=ROOT compares another built checkout in the same process.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node dist/bench/gone-renamed.js
