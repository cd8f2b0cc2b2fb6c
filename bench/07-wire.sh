#!/bin/bash
# Benchmark 7: send.compression over SSH on a link limited to 20 MiB/s, log text and random data from an
# uncompressed source, none against zstd (bench/wire.ts), in the real-OpenZFS guest. Build first (npm run bench does).
# ZFORM_BENCH_WIRE_MIB sets the size per dataset (default 192), ZFORM_BENCH_WIRE_COMPRESSION the compression (zstd),
# ZFORM_BENCH_WIRE_LIMIT the link (20 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## 7. Compression on the wire (measuring in the guest)"
exec test/vm/zfs-vm run 'node dist/bench/wire.js'
