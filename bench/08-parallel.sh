#!/bin/bash
# Benchmark 8: replication.concurrency 1, 4 and 8 (and syncoid) on 100 datasets × 1 new snapshot over SSH with
# 50 ms of added round trip (a delaying TCP proxy: the guest kernel has no netem), and concurrency 1 locally
# against the main checkout's build (bench/parallel.ts), in the real-OpenZFS guest. Build first (npm run bench does).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/fetch-syncoid.sh || echo "bench: syncoid unavailable; zform only" >&2
echo "## 8. Parallel replication (measuring in the guest)"
exec test/vm/zfs-vm run 'node dist/bench/parallel.js'
