// Benchmark 4 (in the guest): many small incrementals of one dataset. M snapshots after a common base are replicated
// by `zform apply` with guarantee_incremental (one -I step after a tentative cursor on each snapshot, made by one channel
// program), by zform with guarantee_resumability (one -I step, every snapshot held) and by syncoid (one -I stream). zform's own time = wall time minus the time during which
// a zfs command ran (the counting wrapper's start/end stamps, overlaps counted once) minus the wrapper's own start-up
// per command (measured here); per step = that / M. Size: ZFORM_BENCH_STEPS (200, as issue #9 asks).
import { sh } from '../test/real/lib.js';
import {
  CountingZfs, SYNCOID, ZFORM, check, computeBreakdown, computeBusySeconds, describeGuest, fmt, renderTable,
  requireGuest, syncoidEnv, timed, writeConfig, zformEnv, type Timed, type ZfsCall,
} from './lib.js';

requireGuest();
const M = Number(process.env.ZFORM_BENCH_STEPS ?? 200);

interface Measured { what: string; r: Timed; calls: ZfsCall[] }

async function main(): Promise<void> {
  const zfs = await CountingZfs.install();
  await sh([
    'truncate -s 1G /mnt/disk/isrc.img /mnt/disk/idst.img',
    'zpool create -O mountpoint=none -O compression=off isrc /mnt/disk/isrc.img',
    'zpool create -O mountpoint=none -O compression=off idst /mnt/disk/idst.img',
    'zfs create isrc/d && zfs snapshot isrc/d@s0000',
    'zfs create idst/inc && zfs create idst/res && zfs create idst/syncoid',
  ].join(' && '));
  const job = (name: string, root: string, mode: string) => writeConfig(`${name}.yml`, `jobs:
  - name: ${name}
    source: { host: local, filesystems: { "isrc/d": true } }
    target: { host: local, root_fs: ${root} }
    replication: { protection: { initial: ${mode}, incremental: ${mode} } }
`);
  const inc = job('inc', 'idst/inc', 'guarantee_incremental');
  const res = job('res', 'idst/res', 'guarantee_resumability');
  const zformApply = (cfg: string) => ['node', ZFORM, 'apply', '--auto-approve', '-c', cfg];
  const syncoid = ['perl', SYNCOID, '--no-sync-snap', 'isrc/d', 'idst/syncoid/d'];
  // the common base, not measured
  for (const cfg of [inc, res]) check('zform initial', await timed(zformApply(cfg), zformEnv(process.env)));
  check('syncoid initial', await timed(syncoid, syncoidEnv(process.env)));
  await sh(`for i in $(seq -w 1 ${M} | sed 's/^/000/; s/^0*\\(....\\)$/\\1/'); do zfs snapshot isrc/d@s$i; done`);

  // the wrapper's cost per command: wall of K wrapped `zfs list` minus their time inside zfs, divided by K
  const K = 20;
  zfs.reset();
  const w = await timed(['bash', '-c', `for i in $(seq ${K}); do zfs list -H -o name isrc/d >/dev/null; done`], zfs.env());
  const wrapperSecs = (w.ms / 1000 - computeBusySeconds(zfs.calls())) / K;

  const out: Measured[] = [];
  const measure = async (what: string, argv: string[], env: NodeJS.ProcessEnv) => {
    zfs.reset();
    const r = check(what, await timed(argv, env));
    out.push({ what, r, calls: zfs.calls() });
    process.stderr.write(`[bench] ${what}: ${fmt(r.ms / 1000)} s, ${zfs.calls().length} zfs commands\n`);
  };
  await measure('zform, guarantee_incremental', zformApply(inc), zformEnv(zfs.env()));
  await measure('zform, guarantee_resumability', zformApply(res), zformEnv(zfs.env()));
  await measure('syncoid --no-sync-snap', syncoid, syncoidEnv(zfs.env()));
  const newest = `s${String(M).padStart(4, '0')}`;
  for (const d of ['idst/inc/isrc/d', 'idst/res/isrc/d', 'idst/syncoid/d']) {
    const n = Number((await sh(`zfs list -H -t snapshot -o name -d 1 ${d} | wc -l`)).trim());
    const last = (await sh(`zfs list -H -t snapshot -o name -s createtxg -d 1 ${d} | tail -1`)).trim();
    if (n !== M + 1 || last !== `${d}@${newest}`) throw new Error(`${d}: ${n} snapshots, newest ${last}; expected ${M + 1} up to @${newest}`);
  }

  const rows = out.map((m) => {
    const wall = m.r.ms / 1000;
    const busy = computeBusySeconds(m.calls);
    const own = wall - busy - m.calls.length * wrapperSecs;
    const steps = m.calls.filter((c) => c.argv[0] === 'send' && !c.argv.includes('-nvP') && !c.argv.includes('-n')).length;
    return [m.what, steps, m.calls.length, fmt(wall), fmt(busy), fmt(own), fmt(own / M, 3), fmt(own / steps, 3),
      computeBreakdown(m.calls).map(([v, n]) => `${v} ${n}`).join(', ')];
  });
  process.stdout.write([
    `Guest: ${await describeGuest()}`,
    `One filesystem, no data; ${M} new snapshots after a common base, all delivered by each tool (checked). zform's own time = wall − time inside zfs − ${fmt(wrapperSecs, 3)} s of counting-wrapper start-up per command (measured over ${K} commands); it includes node's start-up, planning and the views.`,
    '',
    renderTable(['run', 'sends', 'zfs commands', 'wall s', 'inside zfs s', 'own s', `own s per snapshot (${M})`, 'own s per send', 'by subcommand'], rows),
    '',
  ].join('\n'));
  await sh('zpool destroy -f isrc && zpool destroy -f idst && rm -f /mnt/disk/isrc.img /mnt/disk/idst.img');
}

await main();
