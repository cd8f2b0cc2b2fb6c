#!/bin/bash
# Benchmark 13 (facts for batched pruning, session 31): on real OpenZFS in the guest, what a channel program that
# destroys snapshots does and costs next to `zfs destroy`, side by side in one run. zform today runs one
# `zfs destroy fs@a,b,...` per dataset; a steady prune of N datasets is N commands, each waiting for a txg.
# 1. Outcomes of bench/lib/destroy-probe.lua for a plain, a held, a cloned, a renamed-away (wrong GUID) and a missing
#    snapshot and a bookmark, and how the program's tostring() prints GUIDs (signed 64-bit) against `zfs get guid`.
# 2. Destroying one snapshot in each of BENCH_DESTROY_FS filesystems (default 100): as many `zfs destroy` one after
#    another, as many 8 at once (xargs -P 8), and one channel program (GUIDs checked), each on snapshots of its own.
# ZFORM_ZFS_VERSION (2.1 default, or 2.3); ZFORM_VM_CPUS as the guest's. Not a test: prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
FS=${BENCH_DESTROY_FS:-100}
if [ "${1:-}" != --guest ]; then
  echo "## 13. Snapshot destroys: commands against one channel program (OpenZFS ${ZFORM_ZFS_VERSION:-2.1} in the guest, ${ZFORM_VM_CPUS:-2} vCPUs of TCG)"
  ZFORM_BENCH_DESTROY_FS=$FS ZFORM_VM_TIMEOUT=${ZFORM_VM_TIMEOUT:-1800} test/vm/zfs-vm run bash bench/13-destroy-program.sh --guest
  exit 0
fi

# ---- in the guest ----
FS=$ZFORM_BENCH_DESTROY_FS
prog=$PWD/bench/lib/destroy-probe.lua
truncate -s 2G /mnt/disk/bench13.img
zpool create bench13 /mnt/disk/bench13.img
trap 'zpool destroy bench13 2>/dev/null || true' EXIT
# name TAB guid of the snapshots and bookmarks below $1, one command (not one `zfs get` each: slow in the guest)
guids() { zfs list -H -p -o name,guid -t snapshot,bookmark -r "$1"; }
# a GUID as the program's Lua prints it (int64): bash arithmetic wraps at 2^64 as int64 does
lua() { echo $(( $1 )); }
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "$(zfs version | head -1)"
echo
zfs create bench13/a
for s in s1 s2 s3 s4 s5; do zfs snapshot bench13/a@$s; done
zfs hold keep bench13/a@s2
zfs clone bench13/a@s3 bench13/c
zfs bookmark bench13/a@s4 bench13/a#b4
declare -A real=()
while IFS=$'\t' read -r n v; do real[$n]=$v; done <<<"$(guids bench13/a)" # no <(...): the guest has no /dev/fd
args=(bench13/a@s1 "$(lua "${real[bench13/a@s1]}")" bench13/a@s2 "$(lua "${real[bench13/a@s2]}")" bench13/a@s3 "$(lua "${real[bench13/a@s3]}")"
  bench13/a@s5 "1" bench13/a@gone "1" bench13/a#b4 "1")
# `--`: a negative GUID would otherwise be read as an option of zfs program
result=$(zfs program -j -- bench13 "$prog" "${args[@]}")
echo "| snapshot | what it is | GUID (\`zfs list\`) | the program's tostring | outcome |"
echo "|---|---|---:|---:|---|"
# what each item of args is, in its order
what=(plain "held (\`keep\`)" "a clone's origin" "given a wrong GUID" missing "a bookmark")
k=-1
for item in $(echo "$result" | sed 's/^{"return":"//; s/"}$//' | tr ',' ' '); do
  k=$((k + 1))
  name=${item%%=*}; rest=${item#*=}
  echo "| \`$name\` | ${what[$k]} | ${real[$name]:--} | ${rest%%:*} | ${rest##*:} |"
done
echo "Left afterwards: $(zfs list -H -t snapshot,bookmark -o name -r bench13/a | tr '\n' ' ')"
echo

for i in $(seq 1 "$FS"); do echo "bench13/f$i"; done | xargs -n 1 zfs create
for r in 1 2 3; do zfs snapshot -r bench13@r$r; done
t0=$(date +%s%N); for i in $(seq 1 "$FS"); do zfs destroy "bench13/f$i@r1"; done; t1=$(date +%s%N)
seq_ms=$(ms "$t0" "$t1")
t0=$(date +%s%N); for i in $(seq 1 "$FS"); do echo "bench13/f$i@r2"; done | xargs -P 8 -n 1 zfs destroy; t1=$(date +%s%N)
par_ms=$(ms "$t0" "$t1")
args=()
while IFS=$'\t' read -r n v; do args+=("$n" "$(lua "$v")"); done <<<"$(guids bench13 | awk -F'\t' '$1 ~ /^bench13\/f[0-9]+@r3$/')"
t0=$(date +%s%N); result=$(zfs program -j -- bench13 "$prog" "${args[@]}"); t1=$(date +%s%N)
prog_ms=$(ms "$t0" "$t1")
done_n=$(echo "$result" | tr ',' '\n' | grep -c ':0' || true)
left=$(zfs list -H -t snapshot -o name -r bench13 | grep -c '^bench13/f[0-9]*@r[123]$' || true)
echo "| $FS snapshots, one per filesystem | ms | / the program |"
echo "|---|---:|---:|"
echo "| \`zfs destroy\`, one after another | $seq_ms | $(echo "scale=1; $seq_ms / $prog_ms" | bc) |"
echo "| \`zfs destroy\`, 8 at once | $par_ms | $(echo "scale=1; $par_ms / $prog_ms" | bc) |"
echo "| one channel program, GUIDs checked ($done_n destroyed) | $prog_ms | 1.0 |"
echo
echo "Snapshots r1-r3 left in the filesystems: $left (0 expected)"
