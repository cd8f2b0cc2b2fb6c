// Benchmark 8 (in the guest): 100 datasets × 1 new snapshot, incremental, pushed over SSH through a proxy that adds
// 50 ms of round trip (bench/delay-proxy.ts: the guest kernel has no netem), by zform at replication.concurrency 1, 4
// and 8 and by syncoid -r (when bench/fetch-syncoid.sh made it available); then the same tree local to local without
// latency at concurrency 1: this branch against the main checkout's build (ZFORM_BENCH_BASE, default /work/main),
// alternating, best of 3. Size: ZFORM_BENCH_DATASETS (100), ZFORM_BENCH_RTT_MS (50).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sh } from '../test/real/lib.js';
import { setupSshLogin } from '../test/real/apply-helpers.js';
import { SYNCOID, ZFORM, check, describeGuest, fmt, renderTable, requireGuest, syncoidEnv, timed, writeConfig, zformEnv } from './lib.js';
import { startDelayProxy } from './delay-proxy.js';

requireGuest();
const N = Number(process.env.ZFORM_BENCH_DATASETS ?? 100);
const RTT = Number(process.env.ZFORM_BENCH_RTT_MS ?? 50);
const BASE = path.join(process.env.ZFORM_BENCH_BASE ?? '/work/main', 'bin', 'zform');
const kids = Array.from({ length: N }, (_, i) => `psrc/d/k${String(i).padStart(3, '0')}`);

async function main(): Promise<void> {
  const login = await setupSshLogin('zformbench');
  const proxy = await startDelayProxy(22, RTT / 2);
  // the proxy's port in known_hosts (zform's ssh2 and OpenSSH look up "[127.0.0.1]:port")
  const known = `${login.knownHosts}.proxy`;
  await sh(`sed 's/^127\\.0\\.0\\.1 /[127.0.0.1]:${proxy.port} /' ${login.knownHosts} > ${known}`);
  await sh([
    'truncate -s 1G /mnt/disk/psrc.img /mnt/disk/pdst.img',
    'zpool create -O mountpoint=/mnt/psrc -O compression=off psrc /mnt/disk/psrc.img',
    'zpool create -O mountpoint=none -O compression=off pdst /mnt/disk/pdst.img',
    'zfs create psrc/d',
    ...kids.map((k) => `zfs create ${k} && head -c 65536 /dev/urandom > /mnt/${k}/f`),
    'zfs snapshot -r psrc/d@s0',
    'zfs create pdst/syncoid',
  ].join(' && '));
  const hosts = `hosts:\n  far:\n    ssh: { host: 127.0.0.1, port: ${proxy.port}, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${known}, connect_timeout: 60s }\n`;
  // conc: the concurrency of this run (the initial full sends of every job run at 8: not measured); 1 is left out
  // (the default), so that a build from before replication.concurrency (ZFORM_BENCH_BASE) reads the same config
  const job = (c: number, target = 'far', root = `pdst/c${c}`, conc = c) => writeConfig(`par-${target}-${c}-${conc}.yml`, `${target === 'far' ? hosts : ''}jobs:
  - name: par${c}${target}
    source: { host: local, filesystems: { "psrc/d<": true } }
    target: { host: ${target}, root_fs: ${root} }
${conc === 1 ? '' : `    replication: { concurrency: ${conc} }
`}`);
  const apply = (bin: string, cfg: string) => ['node', bin, 'apply', '--auto-approve', '-c', cfg];
  const levels = [1, 4, 8];
  const syncoid = existsSync(SYNCOID);
  const syncoidArgv = ['perl', SYNCOID, '-r', '--no-sync-snap', '--no-privilege-elevation', `--sshport=${proxy.port}`, `--sshkey=${login.identityFile}`,
    `--sshoption=UserKnownHostsFile=${known}`, 'psrc/d', `${login.user}@127.0.0.1:pdst/syncoid/d`];
  // the common base (full sends), not measured
  for (const c of levels) check(`initial c${c}`, await timed(apply(ZFORM, job(c, 'far', `pdst/c${c}`, 8)), zformEnv(process.env)));
  if (syncoid) check('syncoid initial', await timed(syncoidArgv, syncoidEnv(process.env)));
  await sh('zfs snapshot -r psrc/d@s1');
  const rows: (string | number)[][] = [];
  let c1 = 0;
  for (const c of levels) {
    const r = check(`zform c${c}`, await timed(apply(ZFORM, job(c)), zformEnv(process.env)));
    if (c === 1) c1 = r.ms;
    rows.push([`zform, replication.concurrency ${c}`, fmt(r.ms / 1000), fmt(r.ms / c1, 2)]);
    process.stderr.write(`[bench] zform c${c}: ${fmt(r.ms / 1000)} s\n`);
  }
  if (syncoid) {
    const r = check('syncoid', await timed(syncoidArgv, syncoidEnv(process.env)));
    rows.push(['syncoid -r --no-sync-snap', fmt(r.ms / 1000), fmt(r.ms / c1, 2)]);
    process.stderr.write(`[bench] syncoid: ${fmt(r.ms / 1000)} s\n`);
  }
  for (const c of levels) {
    const n = Number((await sh(`zfs list -H -t snapshot -o name -r pdst/c${c} | grep -c @s1`)).trim());
    if (n !== N + 1) throw new Error(`pdst/c${c}: ${n} datasets at @s1, expected ${N + 1}`);
  }
  await proxy.close();

  // local to local, no added latency, concurrency 1: this build against the base build, alternating, best of 3
  const local: (string | number)[][] = [];
  if (existsSync(BASE)) {
    const best = { base: Infinity, branch: Infinity };
    const cfgs = { base: job(1, 'local', 'pdst/lb'), branch: job(1, 'local', 'pdst/ln') };
    for (const [k, bin] of [['base', BASE], ['branch', ZFORM]] as const) check(`initial local ${k}`, await timed(apply(bin, cfgs[k]), zformEnv(process.env)));
    for (let i = 2; i <= 4; i++) {
      await sh(`zfs snapshot -r psrc/d@s${i}`);
      for (const [k, bin] of [['base', BASE], ['branch', ZFORM]] as const) {
        const r = check(`local ${k}`, await timed(apply(bin, cfgs[k]), zformEnv(process.env)));
        best[k] = Math.min(best[k], r.ms);
      }
    }
    local.push([`before (${BASE})`, fmt(best.base / 1000, 2), '1.00'], ['this build, concurrency 1', fmt(best.branch / 1000, 2), fmt(best.branch / best.base, 2)]);
  }
  process.stdout.write([
    `Guest: ${await describeGuest()}`,
    `${N} filesystems of 64 KiB under one parent, 1 new snapshot each (recursive), incremental, pushed over SSH to the guest's own sshd through a TCP proxy that delays each direction by ${RTT / 2} ms (${RTT} ms added round trip; bench/delay-proxy.ts). Every tool delivers @s1 to its own target tree (checked for zform).`,
    '',
    renderTable(['run (over SSH, +' + RTT + ' ms RTT)', 'wall s', 'vs concurrency 1'], rows),
    '',
    ...(local.length ? ['Local to local, no added latency, concurrency 1, best of 3 alternating runs of 1 new snapshot × ' + N + ':', '', renderTable(['build', 'wall s', 'ratio'], local), ''] : []),
  ].join('\n'));
  await sh('zpool destroy -f psrc && zpool destroy -f pdst && rm -f /mnt/disk/psrc.img /mnt/disk/pdst.img');
}

main().catch((err: unknown) => { process.stderr.write(`${String((err as Error).stack ?? err)}\n`); process.exit(1); });
