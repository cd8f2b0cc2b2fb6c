#!/bin/bash
# Benchmark 12, what a command started from a large zform costs: node's spawn forks the process, and afterwards every
# page of it that the process writes faults once more (copy-on-write). Prints, side by side in one run, the CPU of
# starting `true` and of one write pass over a process filled to BENCH_SPAWN_MIB (default 200) after it, against the
# same pass with no command before it.
# Environment: BENCH_SPAWN_MIB, BENCH_SPAWN_ROUNDS (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bench/spawn-cost.js ] || npx tsc -p .
exec node dist/bench/spawn-cost.js
