#!/bin/bash
# The demo's script inside the guest (see examples/demo/run).
set -euo pipefail
ZFORM="node $PWD/bin/zform"
export NO_COLOR=1 ZFORM_LOCK_DIR=/tmp/zform-locks
step() { printf '\n\n######## %s\n\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
cfg=/tmp/zform-demo.yml
cleanup() {
  zpool destroy src 2>/dev/null || true
  zpool destroy dst 2>/dev/null || true
  rm -f /mnt/disk/src.img /mnt/disk/dst.img "$cfg"
}
trap cleanup EXIT

step "Two pools on file vdevs: src (with data) and dst (empty)"
truncate -s 768M /mnt/disk/src.img /mnt/disk/dst.img
zpool create -O mountpoint=/demo -O compression=off src /mnt/disk/src.img
zpool create -O mountpoint=none dst /mnt/disk/dst.img
zfs create src/data && zfs create src/data/projects
head -c 8M /dev/urandom > /demo/data/photos.bin
head -c 4M /dev/urandom > /demo/data/projects/report.bin
cat > "$cfg" <<'YML'
jobs:
  - name: demo
    source:
      host: local
      filesystems: { "src/data<": true }
    target:
      host: local
      root_fs: dst/backup
    snapshotting: { prefix: zform_, interval: 1h }
    send:
      bandwidth_limit: { max: 8 MiB }   # slow enough to interrupt in the demo
YML
run cat "$cfg"
run $ZFORM validate -c "$cfg"

step "zform plan: what apply will do (nothing is changed)"
run $ZFORM plan -c "$cfg"

step "zform apply --auto-approve"
run $ZFORM apply -c "$cfg" --auto-approve

step "zform plan again: nothing to do"
run $ZFORM plan -c "$cfg" --detailed-exitcode && echo "(exit 0: no changes)"

step "New data and a new snapshot; an apply interrupted by SIGINT mid-transfer"
head -c 48M /dev/urandom > /demo/data/video.bin
zfs snapshot -r src/data@manual_1
echo "\$ zform apply -c $cfg --auto-approve --json   (SIGINT once 4 MiB have arrived)"
set +e
coproc APPLY { exec $ZFORM apply -c "$cfg" --auto-approve --json; }
# bash unsets APPLY and APPLY_PID when the coprocess ends: keep a copy of both first.
pid=$APPLY_PID
exec {out}<&"${APPLY[0]}"
while IFS= read -r line <&"$out"; do
  # not at the very first progress event: a receive that has saved no data yet leaves no resume token
  if [[ $line == *'"type":"apply_progress"'* && $line =~ \"bytes\":([0-9]+) ]] && (( BASH_REMATCH[1] >= 4194304 )); then
    echo "$line"; kill -INT "$pid"; break
  fi
done
grep -E '"type":"(apply_errored|change_summary)"' <&"$out"
wait "$pid"; code=$?
exec {out}<&-
set -e
[ "$code" = 130 ] || { echo "demo: expected exit 130 after SIGINT, got $code" >&2; exit 1; }
echo "(exit 130: interrupted by SIGINT; the transfer's resumable state stays)"
run zfs get -H -o name,value receive_resume_token dst/backup/src/data

step "zform plan: the next apply resumes from the token"
run $ZFORM plan -c "$cfg" || true

step "zform apply: resumes"
run $ZFORM apply -c "$cfg" --auto-approve

step "zform plan: nothing to do; the data matches"
run $ZFORM plan -c "$cfg" --detailed-exitcode && echo "(exit 0: no changes)"
zfs set mountpoint=/restore dst/backup/src/data >/dev/null && zfs mount -a 2>/dev/null || true
( cd /demo/data && sha256sum video.bin photos.bin ) > /tmp/a
( cd /restore && sha256sum video.bin photos.bin ) > /tmp/b
run diff /tmp/a /tmp/b && echo "checksums match"
run zfs list -r -t all -o name,guid,userrefs src dst
run zfs holds -r src/data@manual_1 dst/backup/src/data@manual_1

step "Cleaning up"
cleanup
trap - EXIT
echo "demo finished"
