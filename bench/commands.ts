// Benchmark 2 (in the guest): zfs commands and wall time of `zform apply --auto-approve` against syncoid for the
// same replication of a tree of N datasets × K snapshots: the initial run, then an incremental run after one new
// snapshot on every dataset (made outside both tools, in one `zfs snapshot -r`). Both tools find the same counting
// `zfs` wrapper first on PATH. Prints Markdown. Sizes: ZFORM_BENCH_DATASETS (20), ZFORM_BENCH_SNAPSHOTS (3): sized for this guest, where a zfs command takes ~0.5 s.
import { sh } from '../test/real/lib.js';
import {
  CountingZfs, SYNCOID, ZFORM, check, computeBreakdown, computeBusySeconds, describeGuest, fmt, renderTable,
  requireGuest, syncoidEnv, timed, writeConfig, zformEnv, type Timed, type ZfsCall,
} from './lib.js';

requireGuest();
const N = Number(process.env.ZFORM_BENCH_DATASETS ?? 20);
const K = Number(process.env.ZFORM_BENCH_SNAPSHOTS ?? 3);
/** syncoid 2.1's flags for the same replication as zform's: it takes no snapshot of its own (the snapshots exist,
 *  as for zform, whose job has no `snapshotting`), and it bookmarks the newest snapshot it sent (zform keeps a
 *  cursor bookmark). 2.1 has no --use-hold (zform also holds), so syncoid does a little less than zform here. */
const SYNCOID_FLAGS = ['-r', '--no-sync-snap', '--create-bookmark'];

interface Measured { tool: string; run: string; r: Timed; calls: ZfsCall[] }

async function main(): Promise<void> {
  const zfs = await CountingZfs.install();
  const datasets = N + 1; // bsrc/d and its N children
  await sh([
    'truncate -s 2G /mnt/disk/bsrc.img /mnt/disk/bdst.img',
    'zpool create -O mountpoint=none -O compression=off bsrc /mnt/disk/bsrc.img',
    'zpool create -O mountpoint=none -O compression=off bdst /mnt/disk/bdst.img',
    'zfs create bsrc/d && zfs create bdst/zform && zfs create bdst/syncoid',
    `for i in $(seq -w 1 ${N}); do zfs create bsrc/d/$i; done`,
    `for k in $(seq -w 1 ${K}); do zfs snapshot -r bsrc/d@s$k; done`,
  ].join(' && '));
  const cfg = writeConfig('commands.yml', `jobs:
  - name: bench
    source: { host: local, filesystems: { "bsrc/d<": true } }
    target: { host: local, root_fs: bdst/zform }
`);
  const out: Measured[] = [];
  const measure = async (tool: string, run: string, argv: string[], env: NodeJS.ProcessEnv) => {
    zfs.reset();
    const r = check(`${tool} ${run}`, await timed(argv, env));
    out.push({ tool, run, r, calls: zfs.calls() });
    process.stderr.write(`[bench] ${tool} ${run}: ${fmt(r.ms / 1000)} s, ${zfs.calls().length} zfs commands\n`);
  };
  const zformApply = ['node', ZFORM, 'apply', '--auto-approve', '-c', cfg];
  const syncoid = ['perl', SYNCOID, ...SYNCOID_FLAGS, 'bsrc/d', 'bdst/syncoid/d'];

  await measure('zform', 'initial', zformApply, zformEnv(zfs.env()));
  await measure('syncoid', 'initial', syncoid, syncoidEnv(zfs.env()));
  await sh(`zfs snapshot -r bsrc/d@s${String(K + 1)}`);
  await measure('zform', 'incremental', zformApply, zformEnv(zfs.env()));
  await measure('syncoid', 'incremental', syncoid, syncoidEnv(zfs.env()));

  // both targets must hold every dataset at the newest snapshot (same replication)
  const newest = `s${String(K + 1)}`;
  for (const root of ['bdst/zform/bsrc/d', 'bdst/syncoid/d']) {
    const have = Number((await sh(`zfs list -H -r -t snapshot -o name ${root} | grep -c '@${newest}$'`)).trim());
    if (have !== datasets) throw new Error(`${root}: ${have} of ${datasets} datasets have @${newest}`);
  }

  const rows = out.map((m) => [
    m.tool, m.run, m.calls.length, fmt(m.calls.length / datasets, 2), fmt(m.r.ms / 1000), fmt(computeBusySeconds(m.calls)),
    computeBreakdown(m.calls).map(([v, n]) => `${v} ${n}`).join(', '),
  ]);
  const incr = (tool: string) => out.find((m) => m.tool === tool && m.run === 'incremental')!;
  const ratio = incr('syncoid').calls.length / incr('zform').calls.length;
  const wall = incr('syncoid').r.ms / incr('zform').r.ms;
  process.stdout.write([
    `Guest: ${await describeGuest()}`,
    `Tree: ${datasets} filesystems (bsrc/d and ${N} children), ${K} snapshots each, then one more on each; no data.`,
    `zform: \`zform apply --auto-approve\` (defaults: guarantee_resumability, initial most_recent). syncoid: \`syncoid ${SYNCOID_FLAGS.join(' ')} bsrc/d bdst/syncoid/d\`.`,
    '',
    renderTable(['tool', 'run', 'zfs commands', 'per dataset', 'wall s', 'inside zfs s', 'by subcommand'], rows),
    '',
    `Incremental run: syncoid ran ${fmt(ratio, 1)}× as many zfs commands as zform, and took ${fmt(wall, 1)}× its wall time.`,
    '',
  ].join('\n'));
  await sh('zpool destroy bsrc && zpool destroy bdst && rm -f /mnt/disk/bsrc.img /mnt/disk/bdst.img');
}

await main();
