#!/bin/bash
# Makes syncoid available to the benchmarks without installing it: downloads Debian's sanoid package and
# libcapture-tiny-perl (syncoid's only module outside perl's core) with apt-get download into
# /var/cache/zform-vm/bench and unpacks them into .../root, which the guest sees (it runs on this machine's /,
# read-only). Idempotent: a second call does nothing. Prints nothing unless it downloads.
set -euo pipefail
CACHE=${ZFORM_BENCH_CACHE:-/var/cache/zform-vm/bench}
ROOT=$CACHE/root
PKGS=(sanoid libcapture-tiny-perl)
if [ ! -f "$ROOT/.done" ]; then
  mkdir -p "$CACHE"
  ! id _apt >/dev/null 2>&1 || chown _apt "$CACHE"
  echo "bench: downloading ${PKGS[*]} (apt-get download) into $CACHE" >&2
  (cd "$CACHE" && { apt-get download -qq "${PKGS[@]}" 2>/dev/null || { apt-get update -qq && apt-get download -qq "${PKGS[@]}"; }; })
  rm -rf "$ROOT" && mkdir -p "$ROOT"
  for p in "${PKGS[@]}"; do dpkg-deb -x "$(ls -t "$CACHE/${p}"_*.deb | head -1)" "$ROOT"; done
  touch "$ROOT/.done"
fi
# syncoid's other modules come with perl itself; the guest's perl is this machine's
PERL5LIB=$ROOT/usr/share/perl5 perl -c "$ROOT/usr/sbin/syncoid" >/dev/null 2>&1 \
  || { echo "bench: syncoid does not compile with this perl (missing modules?):" >&2; PERL5LIB=$ROOT/usr/share/perl5 perl -c "$ROOT/usr/sbin/syncoid" >&2; exit 1; }
