#!/bin/bash
# Benchmark 1, planning at scale: `zform plan` over synthetic inventories (N datasets x S snapshots per side,
# local to local) served by a stand-in `zfs` (bench/lib/zfs-standin) that cats pre-generated `-H -p` listings.
# Prints a Markdown table: wall time, CPU, peak RSS (/usr/bin/time -v of the zform process), zform's own CPU (that less
# the stand-in's, its child: the logged commands replayed on their own), zform's own minor page faults (likewise), zfs
# commands per side, and the replay's wall time. Its header line says what a page of fresh memory costs this machine
# (bench/lib/first-touch.cjs): where that is high (a virtual machine whose host backs each page on first touch), a
# plan's CPU follows its peak memory.
# Environment: BENCH_PLAN_SIZES (default "100 1000 10000"), BENCH_PLAN_SNAPSHOTS (100), BENCH_PLAN_RUNS (3),
# BENCH_PLAN_KEEP=DIR keeps the generated inventories and logs there; BENCH_PLAN_ZFORM=PATH runs another build's
# bin/zform (e.g. an older commit's, to compare); BENCH_PLAN_BEFORE=PATH also runs that build's bin/zform, taking turns
# with this one run by run over the same inventory, and prints its row and the after/before ratios; BENCH_PLAN_PRUNE chooses the config's pruning over the inventory's
# hourly snapshots (bench/lib/inventory.ts, PRUNE_GRIDS): `steady` (default) is what a configured job meets on every
# run (one destroy per dataset and side), `first` a first prune of the same inventory (~71 destroys per dataset and
# side), `off` no pruning section.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=${BENCH_PLAN_SIZES:-100 1000 10000}
snaps=${BENCH_PLAN_SNAPSHOTS:-100}
runs=${BENCH_PLAN_RUNS:-3}
zform=${BENCH_PLAN_ZFORM:-$root/bin/zform}
before=${BENCH_PLAN_BEFORE:-}
pruning=${BENCH_PLAN_PRUNE:-steady}
case $pruning in steady|first|off) ;; *) echo "BENCH_PLAN_PRUNE: steady, first or off, not '$pruning'" >&2; exit 64 ;; esac
[ -f dist/bench/lib/make-inventory.js ] || npx tsc -p .
if [ -n "${BENCH_PLAN_KEEP:-}" ]; then work=$BENCH_PLAN_KEEP; mkdir -p "$work"
else work=$(mktemp -d); trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/bin"
ln -sf "$root/bench/lib/zfs-standin" "$work/bin/zfs"

. "$root/bench/lib/median.sh"

echo "zform plan ($zform), $snaps snapshots per dataset per side, pruning $pruning, median of $runs runs (node $(node --version), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(node bench/lib/first-touch.cjs))"
echo "Code run: $(node bench/lib/zform-code.cjs "$zform")${before:+; before: $(node bench/lib/zform-code.cjs "$before")}"
echo
echo "| datasets | listing src + dst |${before:+ build |} wall s | user+sys s | zform's CPU s | peak RSS MiB | zform's page faults | zfs commands src / dst | stand-in s | plan |"
echo "|---:|---:|${before:+---|}---:|---:|---:|---:|---:|---|---:|---|"
for n in $sizes; do
  data=$work/inv-$n
  rm -rf "$data"
  node dist/bench/lib/make-inventory.js --datasets "$n" --snapshots "$snaps" --pruning "$pruning" --out "$data" >/dev/null
  bytes=$(cat "$data"/full/* | wc -c)
  export PATH="$work/bin:$PATH" ZFORM_BENCH_DATA=$data
  declare -A walls=() cpus=() rsss=() faults=()
  for ((r = 1; r <= runs; r++)); do
    # the builds take turns run by run (the "after" last, so that its command log is the one counted below)
    for build in ${before:+before} after; do
      bin=$zform; [ "$build" = before ] && bin=$before
      export ZFORM_BENCH_LOG=$data/zfs-$build.log
      rm -f "$ZFORM_BENCH_LOG"
      if ! /usr/bin/time -f '%e %U %S %M %R' -o "$data/time" node "$bin" plan -c "$data/zform.yml" >"$data/plan-$build.txt" 2>"$data/stderr"; then
        echo "zform plan ($build) failed for $n datasets:" >&2; cat "$data/stderr" >&2; exit 1
      fi
      read -r wall user sys rss flt <"$data/time"
      echo "  run $r at $n datasets ($build): ${wall} s wall, $(echo "$user + $sys" | bc) s user+sys, $((rss / 1024)) MiB (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      walls[$build]+="$wall "; cpus[$build]+="$(echo "$user + $sys" | bc) "; rsss[$build]+="$rss "; faults[$build]+="$flt "
    done
  done
  cp "$data/plan-after.txt" "$data/plan.txt"
  export ZFORM_BENCH_LOG=$data/zfs-after.log
  # the stand-in's own cost: each build's commands, replayed without zform (bench/lib/zfs-replay); zform's CPU is
  # user+sys less the replay's (the stand-in runs as zform's child, and /usr/bin/time counts a child's waited-for
  # children)
  declare -A standin_cpu=() standin_faults=()
  for build in ${before:+before} after; do
    /usr/bin/time -f '%e %U %S %R' -o "$data/replay-time" "$root/bench/lib/zfs-replay" "$data/zfs-$build.log"
    read -r rwall ruser rsys rflt <"$data/replay-time"
    standin_cpu[$build]=$(echo "$ruser + $rsys" | bc) standin_faults[$build]=$rflt
    [ "$build" = after ] && standin=$rwall
  done
  for build in ${before:+before} after; do
    read -ra xs <<<"${walls[$build]}"; wall=$(printf '%s\n' "${xs[@]}" | median)
    read -ra xs <<<"${cpus[$build]}"; cpu=$(printf '%s\n' "${xs[@]}" | median)
    read -ra xs <<<"${rsss[$build]}"; rss=$(printf '%s\n' "${xs[@]}" | median)
    read -ra xs <<<"${faults[$build]}"; flt=$(printf '%s\n' "${xs[@]}" | median)
    eval "wall_$build=$wall cpu_$build=$cpu rss_$build=$rss own_$build=$(echo "$cpu - ${standin_cpu[$build]}" | bc) flt_$build=$((flt - standin_faults[$build]))"
  done
  # commands per side: by the root or snapshot each names (src... is the source pool, dst... the target)
  side() { awk -v p="$1" '{ n = 0; for (i = 2; i <= NF; i++) if (index($i, p) == 1) n = 1; if ($1 == "send") n = (p == "src"); c += n } END { print c + 0 }' "$ZFORM_BENCH_LOG"; }
  detail=$(awk '{ c[$1]++ } END { for (k in c) printf "%s%s %d", (s++ ? ", " : ""), k, c[k] }' "$ZFORM_BENCH_LOG")
  summary=$(tail -n 5 "$data/plan.txt" | grep -m1 '^Plan:' | sed 's/^Plan: //; s/\.$//')
  listing="$(echo "scale=1; $bytes / 1048576" | bc) MiB"
  if [ -n "$before" ]; then
    printf '| %s | %s | before | %.2f | %.2f | %.2f | %d | %d | | | %s |\n' "$n" "$listing" "$wall_before" "$cpu_before" "$own_before" "$((rss_before / 1024))" "$flt_before" \
      "$([ "$(grep -m1 '^Plan:' "$data/plan-before.txt")" = "$(grep -m1 '^Plan:' "$data/plan-after.txt")" ] && echo 'the same summary' || echo 'another summary')"
    printf '| %s | %s | after | %.2f | %.2f | %.2f | %d | %d | %s / %s (%s) | %.2f | %s |\n' "$n" "$listing" "$wall_after" "$cpu_after" "$own_after" "$((rss_after / 1024))" "$flt_after" "$(side src)" "$(side dst)" "$detail" "$standin" "$summary"
    printf '| %s | | after / before | %.2f | %.2f | %.2f | %.2f | %.2f | | | |\n' "$n" "$(echo "$wall_after / $wall_before" | bc -l)" "$(echo "$cpu_after / $cpu_before" | bc -l)" "$(echo "$own_after / $own_before" | bc -l)" "$(echo "$rss_after / $rss_before" | bc -l)" "$(echo "$flt_after / $flt_before" | bc -l)"
  else
    printf '| %s | %s | %.2f | %.2f | %.2f | %d | %d | %s / %s (%s) | %.2f | %s |\n' \
      "$n" "$listing" "$wall_after" "$cpu_after" "$own_after" "$((rss_after / 1024))" "$flt_after" "$(side src)" "$(side dst)" "$detail" "$standin" "$summary"
  fi
done
echo
echo "Targets at 10,000 datasets x 100 snapshots: wall < 5 s, peak RSS < 1024 MiB, zfs commands per side not growing with datasets."
