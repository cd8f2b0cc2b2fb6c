#!/bin/bash
# Benchmark 2: zfs commands and wall time, zform apply against syncoid, on a tree of datasets in the real-OpenZFS
# guest (bench/commands.ts). Build first (npm run bench does). ZFORM_BENCH_DATASETS / ZFORM_BENCH_SNAPSHOTS set the size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/fetch-syncoid.sh
echo "## 2. Command count against syncoid (measuring in the guest)"
exec test/vm/zfs-vm run 'node dist/bench/commands.js'
