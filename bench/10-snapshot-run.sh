#!/bin/bash
# Benchmark 10, an hourly snapshot run at scale: `zform apply --auto-approve` of a job whose every dataset is due (N
# filesystems, no snapshots yet, no target), over a stand-in `zfs` (sh: `zfs list -r` prints the datasets, `zfs
# snapshot` does nothing), so the figures are zform's: planning the N snapshots, batching them per pool within the
# argument limit, and the run around them. Prints a Markdown table: wall, CPU (user+sys) and peak RSS, median of the
# runs, the builds taking turns run by run.
# Environment: BENCH_SNAPSHOT_SIZES (default "1000 10000 20000"), BENCH_SNAPSHOT_RUNS (default 3),
# BENCH_SNAPSHOT_BEFORE=PATH another build's bin/zform, measured in the same rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=${BENCH_SNAPSHOT_SIZES:-1000 10000 20000}
runs=${BENCH_SNAPSHOT_RUNS:-3}
before=${BENCH_SNAPSHOT_BEFORE:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat >"$work/zfs" <<STANDIN
#!/bin/sh
case "\$1" in
  list) [ "\$4" = -r ] && cat "$work/datasets" ;;
esac
exit 0
STANDIN
chmod +x "$work/zfs"
printf 'jobs:\n  - name: snaps\n    source: { filesystems: { "tank<": true } }\n    snapshotting: { prefix: zform_, interval: 1h }\n' >"$work/zform.yml"
export PATH="$work:$PATH" ZFORM_LOCK_DIR="$work/lock" NO_COLOR=1
unset ZFORM_TRACE ZFORM_CONFIG

. "$root/bench/lib/median.sh"
echo "An hourly snapshot run, every dataset due (median of $runs runs; node $(node --version), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "Code run: $(node bench/lib/zform-code.cjs "$root/bin/zform")${before:+; before: $(node bench/lib/zform-code.cjs "$before")}"
echo
echo '| datasets | build | wall s | user+sys s | peak RSS MiB |'
echo '|---:|---|---:|---:|---:|'
for n in $sizes; do
  node -e '
    const rows = ["tank", ...Array.from({ length: Number(process.argv[1]) }, (_, i) => `tank/d${String(i).padStart(7, "0")}`)];
    process.stdout.write(rows.map((name, i) => `${name}\tfilesystem\t${6934086900805188463n + BigInt(i)}\t1\t1795294151\t-\t0\toff\t-\t-\t-\n`).join(""));
  ' "$n" >"$work/datasets"
  for build in ${before:+before} after; do : >"$work/$build.times"; done
  for ((r = 0; r < runs; r++)); do
    for build in ${before:+before} after; do
      bin=$root/bin/zform; [ "$build" = before ] && bin=$before
      /usr/bin/time -f '%e %U %S %M' -o "$work/time" node "$bin" apply --auto-approve -c "$work/zform.yml" >"$work/out" 2>&1 \
        || { echo "zform apply ($build, $n datasets) failed:" >&2; tail -5 "$work/out" >&2; exit 1; }
      grep -q "Apply complete! $((n + 1)) snapshots" "$work/out" || { echo "unexpected output ($build, $n):" >&2; tail -5 "$work/out" >&2; exit 1; }
      cat "$work/time" >>"$work/$build.times"
    done
  done
  for build in ${before:+before} after; do
    wall=$(awk '{ print $1 }' "$work/$build.times" | median)
    cpu=$(awk '{ printf "%.2f\n", $2 + $3 }' "$work/$build.times" | median)
    rss=$(awk '{ printf "%d\n", $4 / 1024 }' "$work/$build.times" | median)
    echo "| $n | $build | $wall | $cpu | $rss |"
  done
done
