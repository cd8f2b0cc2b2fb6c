#!/bin/bash
# Benchmark 9 (issue #16): a pool of >= 50,000 snapshots on real OpenZFS in the guest; cold timings, side by side
# in one run, of OpenZFS's fast listing (`-o name,guid,createtxg`, ZFS_ITER_SIMPLE on >= 2.2), zform's 11 columns in
# one recursive listing (before session 13) and as zform lists them now (the datasets, then their snapshots and
# bookmarks by `-d 1` in 4 slices at once, with a version's own 8 columns), `zform plan` (and BENCH_FAST_BEFORE's,
# another build's folder inside this one, e.g. a git worktree of an older commit, built), the 11 columns of datasets and bookmarks only, and a `zfs get
# creation,userrefs,written` of named snapshots (the newest per dataset, every tenth): what a two-phase read would
# cost; and a read-only channel program that lists the source's snapshot names, alone and with each one's `creation`.
# Build first.
# Each figure after `zpool export`/`import` and a warm-up `zfs list -H -o name` (the pool's opening is not in it).
# The pools (BENCH_FAST_FS filesystems x BENCH_FAST_SNAPS snapshots by `zfs snapshot -r`, defaults 250 x 200 = 50,200
# with the root's; an empty target pool) take ~10 min to make in the guest: the images are kept in
# $ZFORM_VM_CACHE/bench-pools-FSxSNAPS-VERSION (made once, copied in at each run). BENCH_FAST_RUNS (2) runs, median;
# ZFORM_ZFS_VERSION (2.3 here; 2.1 has no fast path).
set -euo pipefail
cd "$(dirname "$0")/.."
FS=${BENCH_FAST_FS:-250}; SNAPS=${BENCH_FAST_SNAPS:-200}; RUNS=${BENCH_FAST_RUNS:-2}
if [ "${1:-}" != --guest ]; then
  # bin/zform runs dist/src (~300 modules, seconds more of start-up in the emulated guest) when the bundle is missing or
  # older than it (a `npx tsc -p .` after the last `npm run build`): build when it would, and say which code ran
  code=$([ -f dist/bundle/zform.cjs ] && node bench/lib/zform-code.cjs bin/zform || true)
  [ "$code" = "the bundle with its code cache" ] || { npm run build --silent; code=$(node bench/lib/zform-code.cjs bin/zform); }
  # pools made by one OpenZFS version (2.3's features) may not import on another
  cache=${ZFORM_VM_CACHE:-/var/cache/zform-vm}/bench-pools-${FS}x$SNAPS-${ZFORM_ZFS_VERSION:-2.3}
  # one folder per pool size and version: two guests can each run this at once
  work=bench/out/fast-listing-${FS}x$SNAPS-${ZFORM_ZFS_VERSION:-2.3}; rm -rf "$work"; mkdir -p "$work"
  echo "## 9. The fast listing at ${FS} x ${SNAPS} snapshots (measuring in the guest, OpenZFS ${ZFORM_ZFS_VERSION:-2.3})"
  echo "Code run: $code"
  if [ -n "${BENCH_FAST_BEFORE:-}" ]; then
    before=$(cd "$BENCH_FAST_BEFORE" && pwd)
    [ -f "$before/bin/zform" ] || { echo "BENCH_FAST_BEFORE: no bin/zform in $before" >&2; exit 64; }
    # the guest has its own /tmp: it sees this folder, and the rest of / read-only
    case $before/ in "$PWD"/*) ;; *) echo "BENCH_FAST_BEFORE: $before must be inside $PWD (the guest sees this folder)" >&2; exit 64 ;; esac
    echo "Code run by the build in $before: $(node bench/lib/zform-code.cjs "$before/bin/zform")"
  fi
  ZFORM_ZFS_VERSION=${ZFORM_ZFS_VERSION:-2.3} ZFORM_VM_TIMEOUT=${ZFORM_VM_TIMEOUT:-5400} ZFORM_BENCH_POOLS=$cache ZFORM_BENCH_BEFORE=${before:-} \
    ZFORM_BENCH_WORK=$work ZFORM_BENCH_FAST="$FS $SNAPS $RUNS" test/vm/zfs-vm run bash bench/09-fast-listing.sh --guest
  if [ ! -f "$cache/src.img" ] && [ -f "$work/src.img" ]; then
    mkdir -p "$cache" && mv "$work/src.img" "$work/dst.img" "$cache/" && echo "(pool images kept in $cache)"
  fi
  rm -f "$work"/*.img
  exit 0
fi

# ---- in the guest ----
read -r FS SNAPS RUNS <<<"$ZFORM_BENCH_FAST"
D=/mnt/disk; work=$PWD/$ZFORM_BENCH_WORK; pools=$ZFORM_BENCH_POOLS
zform="node $PWD/bin/zform"
# another build to compare (checked on the host: a folder inside this project, which the guest sees)
before=${ZFORM_BENCH_BEFORE:-}
note() { echo "$*" >&2; }
if [ -f "$pools/src.img" ]; then
  cp --sparse=always "$pools/src.img" "$pools/dst.img" $D/
  zpool import -d $D src; zpool import -d $D dst
  note "pools from $pools"
else
  t=$SECONDS
  truncate -s 3G $D/src.img; truncate -s 1G $D/dst.img
  zpool create -o cachefile=none src $D/src.img; zpool create -o cachefile=none dst $D/dst.img
  zfs create -o canmount=off dst/zform
  for i in $(seq 1 "$FS"); do zfs create "src/fs$i"; done
  for r in $(seq 1 "$SNAPS"); do zfs snapshot -r "src@zform_$(printf %05d "$r")"; done
  note "made the pools in $((SECONDS - t)) s"
fi
cat > /tmp/zform.yml <<'YML'
jobs:
  - name: bench
    source: { host: local, filesystems: { "src<": true } }
    target: { host: local, root_fs: dst/zform }
    snapshotting: { prefix: zform_, interval: 1h }
    pruning:
      keep_source: [{ type: grid, grid: "1x1h(keep=all) | 24x1h | 7x1d", regex: "^zform_" }]
      keep_target: [{ type: grid, grid: "1x1h(keep=all) | 24x1h | 30x1d", regex: "^zform_" }]
YML
cold() { zpool export src; zpool export dst; zpool import -d $D src; zpool import -d $D dst; zfs list -H -o name src dst >/dev/null; }
# ms COMMAND...: cold, then the command's wall time in ms (its output must be whole: exit 0)
ms() { cold; local a; a=$(date +%s%N); "$@" >/tmp/out.txt 2>/tmp/err.txt || { note "failed: $*"; cat /tmp/err.txt >&2; exit 1; }; echo $(( ($(date +%s%N) - a) / 1000000 )); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
COLS=name,type,guid,createtxg,creation,userrefs,written,encryption,encryptionroot,keystatus,receive_resume_token,origin
VCOLS=name,type,guid,createtxg,creation,userrefs,written,numclones
zfs list -H -p -r -t snapshot -o name src > /tmp/all.txt
total=$(wc -l </tmp/all.txt)
grep -E "@zform_$(printf %05d "$SNAPS")\$" /tmp/all.txt > /tmp/newest.txt
awk 'NR % 10 == 0' /tmp/all.txt > /tmp/tenth.txt
# A read-only channel program (session 36): every snapshot's name (zfs.list.snapshots, zfs.list.children), and with
# each one's `creation` by zfs.get_prop: what a program would cost instead of the listing's columns.
cat > /tmp/names.lua <<'LUA'
local out, prop = {}, (...)["argv"][2]
local function walk(ds)
  for s in zfs.list.snapshots(ds) do
    if prop ~= nil then out[#out + 1] = s .. "\t" .. tostring(zfs.get_prop(s, prop)) else out[#out + 1] = s end
  end
  for c in zfs.list.children(ds) do walk(c) end
end
walk((...)["argv"][1])
return table.concat(out, "\n")
LUA
program() { zfs program -n -j -t 100000000 -m 100000000 src /tmp/names.lua src "$@"; }
# zform's listing now: the datasets, then their snapshots and bookmarks in 4 contiguous slices of the names at once
sliced() {
  zfs list -H -p -r -t filesystem,volume -o $COLS src dst | cut -f1 | sort > /tmp/ds.txt
  local n per; n=$(wc -l < /tmp/ds.txt); per=$(( (n + 3) / 4 ))
  rm -f /tmp/slice.*; split -l "$per" /tmp/ds.txt /tmp/slice.
  for f in /tmp/slice.??; do xargs -a "$f" zfs list -H -p -d 1 -t snapshot,bookmark -o $VCOLS > "$f.out" & done
  wait
  cat /tmp/slice.??.out
}
declare -A t=()
for ((r = 1; r <= RUNS; r++)); do
  t[fast]+="$(ms zfs list -H -p -r -t snapshot -o name,guid,createtxg src dst) "
  t[cols]+="$(ms zfs list -H -p -r -t filesystem,volume,snapshot,bookmark -o $COLS src dst) "
  t[sliced]+="$(ms sliced) "
  t[plan]+="$(ms $zform plan -c /tmp/zform.yml --no-color) "
  summary=$(grep -m1 '^Plan:' /tmp/out.txt || true)
  if [ -n "$before" ]; then t[before]+="$(ms node "$before/bin/zform" plan -c /tmp/zform.yml --no-color) "; fi
  t[dsbm]+="$(ms zfs list -H -p -r -t filesystem,volume,bookmark -o $COLS src dst) "
  t[newest]+="$(ms xargs -a /tmp/newest.txt zfs get -H -p -o name,property,value creation,userrefs,written) "
  t[tenth]+="$(ms xargs -a /tmp/tenth.txt zfs get -H -p -o name,property,value creation,userrefs,written) "
  t[prognames]+="$(ms program) "
  t[progcreation]+="$(ms program creation) "
  note "run $r: $(for k in fast cols sliced plan ${before:+before} dsbm newest tenth prognames progcreation; do printf '%s %s ms; ' "$k" "$(awk '{ print $NF }' <<<"${t[$k]}")"; done)"
done
med() { printf '%s\n' ${t[$1]} | median; }
fast=$(med fast)
row() { printf '| %s | %d | %.2f |\n' "$1" "$2" "$(echo "$2 / $fast" | bc -l)"; }
echo
echo "$(zfs version | head -1), $(nproc) vCPUs of TCG; $total snapshots in $FS filesystems (mounted) and the root; median of $RUNS cold runs (the lower middle one when even)"
echo
echo "| command | ms | / fast listing |"
echo "|---|---:|---:|"
row "\`zfs list -t snapshot -o name,guid,createtxg\` (the fast set)" "$fast"
row "zform's 11 columns in one recursive listing (\`-t filesystem,volume,snapshot,bookmark\`, before)" "$(med cols)"
row "as zform lists them now: datasets (11 columns), then \`-d 1\` (a version's 8) in 4 slices at once" "$(med sliced)"
row "\`zform plan\` (${summary:-no summary})" "$(med plan)"
[ -z "$before" ] || row "\`zform plan\` of the build in $before" "$(med before)"
row "the 11 columns of datasets and bookmarks only" "$(med dsbm)"
row "\`zfs get creation,userrefs,written\` of the newest snapshot per dataset ($(wc -l </tmp/newest.txt))" "$(med newest)"
row "the same \`zfs get\` of every tenth snapshot ($(wc -l </tmp/tenth.txt))" "$(med tenth)"
row "\`zfs program -n\`: every snapshot's name (\`zfs.list.snapshots\`), source pool" "$(med prognames)"
row "the same program, and each snapshot's \`creation\` (\`zfs.get_prop\`)" "$(med progcreation)"
zpool export src; zpool export dst
[ -f "$pools/src.img" ] || { mkdir -p "$work"; cp --sparse=always $D/src.img $D/dst.img "$work/"; }
