#!/bin/bash
# Benchmark 5, start-up: CPU (user+sys) of short zform commands against `node -e 0`, measured side by side in one
# run (the commands take turns, round after round) and reported as the median per command and its ratio to node.
# `zform plan` plans one dataset (config filesystems `src`, no children) over the planning benchmark's stand-in
# `zfs` (bench/lib/zfs-standin, bash: its few commands are counted in the CPU, as zform waits for them).
# The plan's row is also given less the stand-in's CPU (its logged commands replayed alone in the same rounds).
# `over SSH, refused`: the same plan with its target on an SSH host at a local port just closed (ssh2 loaded, the
# identity file parsed, the connection refused: exit 1), the fixed cost an SSH host adds before its handshake.
# Environment: BENCH_STARTUP_RUNS (default 20), BENCH_STARTUP_BEFORE=PATH another build's bin/zform, measured in the
# same rounds for a before/after comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${BENCH_STARTUP_RUNS:-20}
before=${BENCH_STARTUP_BEFORE:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$root/bench/lib/zfs-standin" "$work/bin/zfs"
node dist/bench/lib/make-inventory.js --datasets 2 --snapshots 10 --out "$work/inv" >/dev/null
sed -i 's/"src<": true/"src": true/' "$work/inv/zform.yml"
export PATH="$work/bin:$PATH" ZFORM_BENCH_DATA=$work/inv
unset ZFORM_TRACE ZFORM_CONFIG SSH_AUTH_SOCK
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519"
: >"$work/known_hosts"
port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
{ printf 'hosts:\n  r: { ssh: { host: 127.0.0.1, port: %s, identity_file: %s, known_hosts: %s } }\n' "$port" "$work/id_ed25519" "$work/known_hosts"
  sed -z 's/target:\n      host: local/target:\n      host: r/' "$work/inv/zform.yml"; } >"$work/ssh.yml"
grep -q '^      host: r$' "$work/ssh.yml" || { echo "05-startup: no target to put on the SSH host" >&2; exit 1; }

# The stand-in is zform's child and its CPU counts in zform's: the zfs commands of one plan are logged, then replayed
# on their own in the same rounds (bench/lib/zfs-replay), so that the plan's row can be given less the stand-in's
# part too.
names=() cmds=() codes=()
add() { names+=("$1"); cmds+=("$2"); codes+=("${3:-0}"); }
add 'node -e 0' 'node -e 0'
for build in ${before:+before} after; do
  bin=$root/bin/zform; [ "$build" = before ] && bin=$before
  ZFORM_BENCH_LOG=$work/zfs-$build.log node "$bin" plan -c "$work/inv/zform.yml" >/dev/null
  add "zform version ($build)" "node $bin version"
  add "zform --help ($build)" "node $bin --help"
  add "zform plan, 1 dataset ($build)" "node $bin plan -c $work/inv/zform.yml"
  add "the stand-in: the plan's $(wc -l <"$work/zfs-$build.log") zfs commands replayed ($build)" "$root/bench/lib/zfs-replay $work/zfs-$build.log"
  add "zform plan, 1 dataset, target over SSH, refused ($build)" "node $bin plan -c $work/ssh.yml" 1
done
echo "Start-up CPU (user+sys, median of $runs paired rounds; node $(node --version), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "Code run: $(node bench/lib/zform-code.cjs "$root/bin/zform")${before:+; before: $(node bench/lib/zform-code.cjs "$before")}"
echo
# CPU of each child from getrusage(RUSAGE_CHILDREN) around it (finer than /usr/bin/time's 10 ms)
printf '%s\n' "${names[@]}" >"$work/names"
printf '%s\n' "${cmds[@]}" >"$work/cmds"
printf '%s\n' "${codes[@]}" >"$work/codes"
python3 - "$runs" "$work" <<'PY'
import resource, shlex, statistics, subprocess, sys
runs, work = int(sys.argv[1]), sys.argv[2]
names = open(f'{work}/names').read().splitlines()
cmds = [shlex.split(c) for c in open(f'{work}/cmds').read().splitlines()]
codes = [int(c) for c in open(f'{work}/codes').read().splitlines()]
for c, code in zip(cmds, codes):
    r = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != code: sys.exit(f'exit {r.returncode}, not {code}: {shlex.join(c)}\n{r.stderr.decode()}')
cpu = [[] for _ in cmds]
for _ in range(runs):
    for i, c in enumerate(cmds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
base = statistics.median(cpu[0])
print('| command | CPU s (median) | × node -e 0 |')
print('|---|---:|---:|')
for i, (n, xs) in enumerate(zip(names, cpu)):
    m = statistics.median(xs)
    print(f'| {n} | {m:.3f} | {m / base:.2f} |')
    if n.startswith('the stand-in'):
        # the plan's row (the one before) less the replay, round by round
        own = statistics.median(a - b for a, b in zip(cpu[i - 1], xs))
        print(f'| {names[i - 1].replace("zform plan", "zform plan less the stand-in")} | {own:.3f} | {own / base:.2f} |')
PY
echo
echo "Targets (issue #16): zform version <= 1.5 x node -e 0; zform plan, one dataset <= 2.5 x."
