#!/bin/bash
# The README's quick start in the guest, word for word where the guest allows: the tarball `npm pack` makes,
# installed globally (--offline: the guest has no network; test/real/run filled npm's cache first), the example config
# as /etc/zform/zform.yml on real pools tank and backup (the example's names: no edit), validate, plan, apply on
# a terminal (a pty of 0 columns, as `script` and `ssh -tt` report, answering "yes"), then the timer's command
# (no systemd in the guest), status, and the metrics drop-in's command. Run by test/real/quickstart.test.ts.
set -euo pipefail
REPO=${1:?usage: quickstart.sh REPO}
step() { printf '\n######## %s\n' "$*"; printf '(at %s s)\n' "$SECONDS" >&2; }
work=$(mktemp -d)
cleanup() {
  zpool destroy -f tank 2>/dev/null || true
  zpool destroy -f backup 2>/dev/null || true
  rm -rf /mnt/disk/qs-tank.img /mnt/disk/qs-backup.img "$work" /etc/zform/zform.yml /var/lib/node_exporter/textfile/zform.prom
  npm uninstall -g --offline --silent zform 2>/dev/null || true   # the other tests run the checkout's bin/zform
}
trap cleanup EXIT

step "pools"
truncate -s 256M /mnt/disk/qs-tank.img /mnt/disk/qs-backup.img
zpool create -O mountpoint=/mnt/qs-tank -O compression=off tank /mnt/disk/qs-tank.img
zpool create -O mountpoint=none backup /mnt/disk/qs-backup.img
zfs create tank/data
head -c 40M /dev/urandom > /mnt/qs-tank/data/blob

step "npm pack"
cd "$work"
npm pack --ignore-scripts --silent "$REPO" >/dev/null   # the build is in dist/ already
ls zform-*.tgz

step "npm install -g ./zform-0.1.0.tgz"
npm install -g --offline --no-audit --no-fund --silent ./zform-0.1.0.tgz
command -v zform

step "man zform"
man zform 2>/dev/null | head -3
man -w zform.yml

step "config"
mkdir -p /etc/zform
cp "$(npm root -g)/zform/examples/local-to-local.yml" /etc/zform/zform.yml

step "zform validate"
zform validate

step "zform plan"
zform plan

step "zform apply (0-column terminal)"
# the guest's init mounts no devpts: give `script` its pseudo-terminals
if [ ! -e /dev/pts/ptmx ]; then mkdir -p /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts; fi
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
set +e
printf 'yes\n' | timeout 300 script -qefc 'stty cols 0 rows 24; zform apply' /dev/null > "$work/apply.out"
code=$?
set -e
echo "apply exit $code, $(wc -c < "$work/apply.out") bytes"
tr -d '\r' < "$work/apply.out" | tail -5
[ "$code" = 0 ]

step "the timer's command"
zform apply --auto-approve --log-format logfmt

step "zform status"
zform status

step "metrics"
mkdir -p /var/lib/node_exporter/textfile
zform apply --auto-approve --log-format logfmt --metrics-file /var/lib/node_exporter/textfile/zform.prom
grep -c '^zform_' /var/lib/node_exporter/textfile/zform.prom
step "done"
