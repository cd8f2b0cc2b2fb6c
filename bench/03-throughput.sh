#!/bin/bash
# Benchmark 3: throughput of a multi-GiB full send, zform apply against raw zfs send | zfs recv, locally and over
# SSH, and zform's peak RSS at two sizes (bench/throughput.ts), in the real-OpenZFS guest. Build first (npm run
# bench does). ZFORM_BENCH_GIB sets the size (default 2); the guest's disk grows to fit (ZFORM_VM_DISK).
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${ZFORM_BENCH_GIB:-2}
export ZFORM_VM_DISK=${ZFORM_VM_DISK:-$(awk "BEGIN{print int($gib * 3 + 4)}")G}
echo "## 3. Throughput (measuring in the guest)"
exec test/vm/zfs-vm run 'node dist/bench/throughput.js'
