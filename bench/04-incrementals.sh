#!/bin/bash
# Benchmark 4: many small incrementals of one dataset, zform (guarantee_incremental and guarantee_resumability) against
# syncoid (bench/incrementals.ts), in the real-OpenZFS guest. Build first (npm run bench does).
# ZFORM_BENCH_STEPS sets the number of snapshots (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/fetch-syncoid.sh
echo "## 4. Many small incrementals (measuring in the guest)"
exec test/vm/zfs-vm run 'node dist/bench/incrementals.js'
