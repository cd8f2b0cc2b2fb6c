// The planner on real OpenZFS: readInventories through CommandZfsHost, computePlan, the apply engine runs the
// plan, and planning again finds nothing to do. Resume tokens come from truncated real streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CommandZfsHost } from '../../src/zfs/host.js';
import { LocalExecutor } from '../../src/zfs/local.js';
import { readInventories } from '../../src/plan/read.js';
import { computePlan } from '../../src/plan/compute.js';
import { planErrors } from '../../src/plan/queries.js';
import { applyPlan } from '../../src/apply/execute.js';
import type { HostPool } from '../../src/hosts.js';
import type { JobConfig } from '../../src/config/types.js';
import type { Plan } from '../../src/plan/types.js';
import { execFile } from 'node:child_process';
import { config, describe, job } from '../support/dsl.js';

/** `bash -c cmd`: stdout; a failure rejects with its stderr. */
function sh(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', cmd], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

const SRC = 'zpsrc';
const DST = 'zpdst';
const counts = new Map<string, number>();
const observer = (e: { host: string }) => counts.set(e.host, (counts.get(e.host) ?? 0) + 1);
// two host names on one machine, so that plans name both sides
const local = new CommandZfsHost(new LocalExecutor('local'), { observer });
const nas = new CommandZfsHost(new LocalExecutor('nas'), { observer });
const hosts: HostPool = { get: (n) => (n === 'nas' ? nas : local), closeAll: async () => undefined };
let clock = Date.now();

async function planFor(j: JobConfig, allowRollback = false): Promise<Plan> {
  const cfg = config([j]);
  const { inventories, resumeTokens } = await readInventories(cfg, [j.name], (n) => hosts.get(n));
  clock += 60_000;
  return computePlan({ config: cfg, jobs: [j.name], inventories, resumeTokens, now: new Date(clock), zformVersion: 'test', allowRollback });
}

function chain(p: Plan, source: string): string[] {
  const d = p.jobs[0]!.datasets.find((x) => x.source === source);
  assert.ok(d, `no dataset plan for ${source}`);
  return d.actions.map(describe);
}

function changes(p: Plan): string[] {
  return [...p.jobs[0]!.snapshots, ...p.jobs[0]!.datasets.flatMap((d) => d.actions)].map(describe);
}

async function apply(p: Plan, j: JobConfig): Promise<void> {
  const r = await applyPlan(p, config([j]), { hosts });
  const bad = r.outcomes.filter((o) => o.status !== 'ok' && o.status !== 'unchanged');
  assert.deepEqual(bad, [], 'every chain applies');
  assert.deepEqual(r.snapshotFailures, []);
}

const guid = async (name: string) => (await sh(`zfs get -H -p -o value guid ${name}`)).trim();
const write = (ds: string, kib: number) => sh(`head -c ${kib * 1024} /dev/urandom > /${ds}/f.$(date +%s%N) && zpool sync ${SRC}`);

before(async () => {
  if (process.env.ZFORM_IN_GUEST !== '1') throw new Error('real-ZFS tests run in the guest: test/real/run');
  for (const [p, mp] of [[SRC, `/${SRC}`], [DST, 'none']] as const) {
    await sh(`zpool destroy -f ${p} 2>/dev/null; rm -f /mnt/disk/${p}.img; truncate -s 256M /mnt/disk/${p}.img && zpool create -f -O mountpoint=${mp} ${p} /mnt/disk/${p}.img`);
  }
});

after(async () => {
  await local.close();
  await nas.close();
  await sh(`for p in ${SRC} ${DST}; do zpool destroy -f $p; rm -f /mnt/disk/$p.img; done`);
});

const nested = job({
  name: 'nested', filesystems: { [`${SRC}/a/b`]: true }, target: { host: 'nas', rootFs: `${DST}/backup` },
  snapshotting: { prefix: 'zf_', intervalMs: 3600_000, timestampFormat: 'dense' }, replication: { snapshots: '^zf_' },
});

test('fresh nested dataset: placeholders for root_fs and the parents, a planned snapshot sent in full; then nothing to do', async () => {
  await sh(`zfs create -p ${SRC}/a/b`);
  await write(`${SRC}/a/b`, 512);
  counts.clear();
  const p = await planFor(nested);
  assert.deepEqual(Object.fromEntries(counts), { local: 3, nas: 2 }, 'source: list of the datasets, of their snapshots and bookmarks, get of zform:placeholder (no candidate); target: list (root_fs missing), then whether its pool exists');
  const name = p.jobs[0]!.snapshots[0]!.kind === 'snapshot' ? p.jobs[0]!.snapshots[0]!.snapshots[0]!.split('@')[1]! : '';
  assert.deepEqual(changes(p), [
    `snapshot ${SRC}/a/b@${name}`,
    `nas:placeholder ${DST}/backup`,
    `nas:placeholder ${DST}/backup/${SRC}`,
    `nas:placeholder ${DST}/backup/${SRC}/a`,
    `hold step ${SRC}/a/b@${name}`,
    `send full ${SRC}/a/b@${name} => nas`,
    `nas:hold last_received ${DST}/backup/${SRC}/a/b@${name}`,
    `bookmark cursor ${SRC}/a/b@${name} (name after apply)`,
    `release step ${SRC}/a/b@${name}`,
  ]);
  await apply(p, nested);
  assert.equal(await guid(`${DST}/backup/${SRC}/a/b@${name}`), await guid(`${SRC}/a/b@${name}`));
  assert.match(await sh(`zfs holds -H ${DST}/backup/${SRC}/a/b@${name}`), /zform_last_received_J_nested/);
  assert.equal((await sh(`zfs list -H -o name -t bookmark ${SRC}/a/b`)).trim(), `${SRC}/a/b#zform_CURSOR_G_${BigInt(await guid(`${SRC}/a/b@${name}`)).toString(16).padStart(16, '0')}_J_nested`);
  assert.equal((await sh(`zfs get -H -o value zform:placeholder ${DST}/backup/${SRC}/a`)).trim(), 'on');
  assert.deepEqual(changes(await planFor(nested)), [], 'up to date, interval not passed');
});

test('a root_fs in a pool that does not exist (a typo): the job\'s error, and no placeholder, send or prune planned', async () => {
  const typo: JobConfig = { ...nested, name: 'typo', target: { ...nested.target!, rootFs: 'zpnopool/backup' } };
  counts.clear();
  const p = await planFor(typo);
  assert.equal(counts.get('nas'), 2, 'the target: its listing, then whether pool zpnopool exists');
  assert.deepEqual(p.jobs[0]!.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.summary, d.blocksDatasets]), [
    ['root_fs zpnopool/backup is in pool zpnopool, which does not exist on nas, and zform does not create pools', true],
  ]);
  assert.deepEqual(p.jobs[0]!.datasets.flatMap((d) => d.actions), []);
  assert.deepEqual(planErrors(p).blockingErrors, 1);
});

test('incremental: -i across a snapshot replication.snapshots excludes, -I for the rest; then nothing to do', async () => {
  const ds = `${SRC}/a/b`;
  for (const s of ['manual', 'zf_2', 'zf_3', 'zf_4']) {
    await write(ds, 256);
    await sh(`zfs snapshot ${ds}@${s}`);
  }
  const j = { ...nested, snapshotting: undefined };
  const p = await planFor(j);
  const sends = chain(p, ds).filter((l) => l.startsWith('send'));
  assert.equal(sends.length, 2, sends.join(' | '));
  assert.match(sends[0]!, new RegExp(`^send -i ${ds}@zf_\\d\\S+ -> @zf_2 => nas$`), 'a -i hop over @manual');
  assert.equal(sends[1], `send -I ${ds}@zf_2 -> @zf_4 [zf_3,zf_4] => nas`);
  await apply(p, j);
  assert.deepEqual((await sh(`zfs list -H -o name -t snapshot -s createtxg ${DST}/backup/${ds}`)).trim().split('\n').map((l) => l.split('@')[1]).slice(1), ['zf_2', 'zf_3', 'zf_4']);
  assert.deepEqual(changes(await planFor(j)), []);
});

test('zfs refuses -I from a bookmark (why the planner hops -i from a bookmark)', async () => {
  await assert.rejects(sh(`zfs send -nv -I ${SRC}/a/b#$(zfs list -H -o name -t bookmark ${SRC}/a/b | head -1 | cut -d'#' -f2) ${SRC}/a/b@zf_4`), /bookmark/);
});

const resumeJob = job({ name: 'res', filesystems: { [`${SRC}/r`]: true }, target: { host: 'nas', rootFs: DST } });

test('a real resume token is decoded and resumed with send -t; then nothing to do', async () => {
  await sh(`zfs create ${SRC}/r && zfs create -o mountpoint=none ${DST}/${SRC}`);
  await write(`${SRC}/r`, 256);
  await sh(`zfs snapshot ${SRC}/r@s1 && zfs send ${SRC}/r@s1 | zfs receive -u ${DST}/${SRC}/r`);
  await write(`${SRC}/r`, 3000);
  await sh(`zfs snapshot ${SRC}/r@s2 && { zfs send -i @s1 ${SRC}/r@s2 | head -c 1000000 | zfs receive -s -u ${DST}/${SRC}/r; true; }`);
  const p = await planFor(resumeJob);
  assert.deepEqual(chain(p, `${SRC}/r`), [
    `hold step ${SRC}/r@s1,@s2`,
    `send resume ${SRC}/r@s1 -> @s2 => nas`,
    `nas:hold last_received ${DST}/${SRC}/r@s2`,
    `bookmark cursor ${SRC}/r@s2`,
    `release step ${SRC}/r@s1,@s2`,
  ]);
  const [send] = p.jobs[0]!.datasets[0]!.actions.filter((a) => a.kind === 'send');
  assert.equal(send!.kind === 'send' && send!.from!.guid, await guid(`${SRC}/r@s1`));
  assert.equal(send!.kind === 'send' && send!.to.guid, await guid(`${SRC}/r@s2`));
  await apply(p, resumeJob);
  assert.equal(await guid(`${DST}/${SRC}/r@s2`), await guid(`${SRC}/r@s2`));
  assert.deepEqual(changes(await planFor(resumeJob)), []);
});

test('a token whose snapshot is gone from the source: an explicit abort with the reason', async () => {
  await write(`${SRC}/r`, 3000);
  await sh(`zfs snapshot ${SRC}/r@s3 && { zfs send -i @s2 ${SRC}/r@s3 | head -c 1000000 | zfs receive -s -u ${DST}/${SRC}/r; true; }`);
  const g3 = await guid(`${SRC}/r@s3`);
  await sh(`zfs destroy ${SRC}/r@s3`);
  const p = await planFor(resumeJob);
  // The reason names the vanished snapshot either from the decoded token ("the resume token's snapshot ... (toguid
  // N) no longer exists on the source") or, when `zfs send -nvt` on the source already refuses the token, from its error.
  const lines = chain(p, `${SRC}/r`);
  assert.equal(lines.length, 1, lines.join(' | '));
  assert.match(lines[0]!, new RegExp(`^nas:abort ${DST}/${SRC}/r: .*${SRC}/r@s3.* no longer exists`));
  void g3;
  await apply(p, resumeJob);
  assert.equal((await sh(`zfs get -H -o value receive_resume_token ${DST}/${SRC}/r`)).trim(), '-');
  assert.deepEqual(changes(await planFor(resumeJob)), []);
});

test('a diverged target: refused with evidence, rolled back when allowed (own hold released first)', async () => {
  await sh(`zfs snapshot ${DST}/${SRC}/r@local && zfs hold zform_last_received_J_res ${DST}/${SRC}/r@local`);
  await write(`${SRC}/r`, 128);
  await sh(`zfs snapshot ${SRC}/r@s4`);
  const refused = await planFor(resumeJob);
  assert.deepEqual(chain(refused, `${SRC}/r`), []);
  const diags = refused.jobs[0]!.datasets[0]!.diagnostics;
  assert.deepEqual(diags.map((x) => `${x.severity}: ${x.summary}`), [`error: target diverged: ${DST}/${SRC}/r's newest snapshot @local is not on the source`]);
  const d = diags[0]!;
  assert.equal(d.conflict?.type, 'diverged');
  const allowed = await planFor(resumeJob, true);
  assert.deepEqual(chain(allowed, `${SRC}/r`).slice(0, 3), [
    `nas:release last_received ${DST}/${SRC}/r@local`,
    `nas:rollback ${DST}/${SRC}/r@s2 destroys @local`,
    `hold step ${SRC}/r@s2,@s4`,
  ]);
  await apply(allowed, resumeJob);
  assert.doesNotMatch(await sh(`zfs list -H -o name -t snapshot ${DST}/${SRC}/r`), /@local/);
  assert.deepEqual(changes(await planFor(resumeJob)), []);
});
