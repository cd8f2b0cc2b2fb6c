// `zform apply` replicates on real OpenZFS, to a local target or over SSH: a nested tree with a zvol and an encrypted
// tree sent raw, initially from a saved plan and then incrementally; the cursor bookmark as base once the last common
// snapshot is pruned; transfers killed mid-stream (zform itself, or the remote zfs receive) resume from the token.
// Every step checks GUIDs on both sides, the holds and bookmarks on disk against the plan, and file checksums.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPool, sh, type Pool } from './lib.js';
import { layout } from './layout.js';
import {
  Zform, assertExit, assertSameSnapshots, checksumReceived, checksumSnapshot, checksumZvol, computeProtectionAfter,
  cursorName, parseApplyEvents, planSends, readGuids, readProtection, readSnapshots, resumeToken, setupSshLogin,
  waitForNoZfsTransfer, waitForReceiveBegun, writeData, zvolDevice,
} from './apply-helpers.js';
import type { Plan } from '../../src/plan/types.js';

export interface ReplicationOptions {
  /** pool names are <prefix>s (source) and <prefix>t (target) */
  prefix: string;
  /** the target host over SSH to the guest's own sshd, else local */
  ssh: boolean;
  /** how the transfers are interrupted, in this order */
  kills: ('zform' | 'remote-receive')[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

export function replicationScenarios(o: ReplicationOptions): void {
  const S = `${o.prefix}s`;
  const T = `${o.prefix}t`;
  const TARGET_HOST = o.ssh ? 'nas' : 'local';
  const z = new Zform();
  let src: Pool;
  let dst: Pool;
  let cfg = '';
  let slowCfg = '';
  /** the snapshot zform took in the first apply */
  let first = '';

  const treeTarget = (ds: string) => ds.replace(`${S}/`, `${T}/backup/${S}/`);
  const vaultTarget = (ds: string) => ds.replace(`${S}/`, `${T}/vault/${S}/`);
  const TREE = ['data', 'data/a', 'data/a/b', 'data/vol'].map((d) => `${S}/${d}`);
  const FILESYSTEMS = ['data', 'data/a', 'data/a/b'].map((d) => `${S}/${d}`);
  const VAULT = ['vault', 'vault/inner'].map((d) => `${S}/${d}`);
  const lastReceived = (job: string) => `zform_last_received_J_${job}`;

  const config = (limit: string | null, hostsYaml: string) => `${hostsYaml}
jobs:
  - name: tree
    source: { host: local, filesystems: { "${S}/data<": true } }
    target: { host: ${TARGET_HOST}, root_fs: ${T}/backup }
    snapshotting: { prefix: zform_, interval: 1h }
${limit ? `    send: { bandwidth_limit: { max: ${limit} } }\n` : ''}  - name: vault
    source: { host: local, filesystems: { "${S}/vault<": true } }
    target: { host: ${TARGET_HOST}, root_fs: ${T}/vault }
    snapshotting: { prefix: zform_, interval: 1h }
    send: { encrypted: true${limit ? `, bandwidth_limit: { max: ${limit} }` : ''} }
`;

  /** Snapshot GUIDs of the source, by full name, for naming derived bookmarks. */
  const guidOf = async () => {
    const g = await readGuids(S);
    return (name: string) => { const v = g.get(name); if (!v) throw new Error(`no GUID of ${name}`); return v; };
  };

  /** Applies a plan saved with --out and checks that the holds and bookmarks on disk are exactly what it listed. */
  const applySaved = async (plan: Plan, file: string) => {
    const beforeProt = await readProtection([S, T]);
    const r = await z.run(['apply', '-c', cfg, file]);
    assertExit(r, 0, 'apply of the saved plan');
    assert.match(r.stdout, /^Apply complete! /m);
    assert.equal(r.stderr, '');
    const expected = computeProtectionAfter(plan, beforeProt, await guidOf());
    assert.deepEqual(await readProtection([S, T]), expected, 'holds and bookmarks on disk are exactly those the plan listed');
    return r;
  };

  /** The protection zform leaves once everything is replicated: a last-received hold on each target's newest
   *  snapshot, one cursor on the source at that snapshot, no step hold. */
  const assertSteadyProtection = async (snap: string) => {
    const g = await readGuids(S);
    const expectHolds: string[] = [];
    const expectBookmarks: string[] = [];
    for (const [job, list, map] of [['tree', TREE, treeTarget], ['vault', VAULT, vaultTarget]] as const) {
      for (const ds of list) {
        expectHolds.push(`${map(ds)}@${snap} ${lastReceived(job)}`);
        expectBookmarks.push(`${ds}#${cursorName(g.get(`${ds}@${snap}`)!, job)}`);
      }
    }
    const prot = await readProtection([S, T]);
    assert.deepEqual(prot, { holds: expectHolds.sort(), bookmarks: expectBookmarks.sort() });
  };

  const assertFilesMatch = async (snap: string) => {
    for (const ds of FILESYSTEMS) {
      assert.equal(await checksumReceived(treeTarget(ds)), await checksumSnapshot(ds, snap), `files of ${treeTarget(ds)} match ${ds}@${snap}`);
    }
    // the source zvol is not written after its newest snapshot, so its device shows that snapshot's bytes
    assert.equal(await checksumZvol(treeTarget(`${S}/data/vol`), 16 * MiB), await checksumZvol(`${S}/data/vol`, 16 * MiB), `the target zvol has the bytes of ${S}/data/vol@${snap}`);
  };

  const assertVaultFilesMatch = async (snap: string) => {
    const roots = VAULT.map(vaultTarget);
    await sh(roots.map((r) => `zfs load-key -L file://${src.keyFile} ${r}`).join(' && '));
    try {
      for (const ds of VAULT) assert.equal(await checksumReceived(vaultTarget(ds)), await checksumSnapshot(ds, snap), `files of ${vaultTarget(ds)} match`);
    } finally {
      await sh(roots.map((r) => `zfs unload-key ${r}`).join(' && '));
    }
  };

  /** Writes `bytes` random bytes at `offsetMiB` into the source zvol. */
  const writeZvol = async (offsetMiB: number, bytes: number) => {
    const dev = await zvolDevice(`${S}/data/vol`);
    await sh(`head -c ${bytes} /dev/urandom | dd of=${dev} bs=64K seek=${offsetMiB * 16} conv=fsync status=none`);
  };

  before(async () => {
    src = await createPool(S, { mounted: true });
    dst = await createPool(T);
    let hostsYaml = '';
    if (o.ssh) {
      const login = await setupSshLogin('zformapply');
      hostsYaml = `hosts:
  nas:
    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts} }
`;
    }
    cfg = z.config('zform.yml', config(null, hostsYaml));
    slowCfg = z.config('slow.yml', config('1 MiB', hostsYaml));
  });

  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test(`initial: a nested tree, a zvol and an encrypted tree sent raw${o.ssh ? ' over SSH' : ''}, from a saved plan; holds and bookmarks exactly as planned; a second plan has no changes`, async () => {
    await layout(src, `data data/a data/a/b vol:data/vol=16M enc:vault vault/inner
      data:data=1M data:data/a=512K data:data/a/b=256K data:vault=256K data:vault/inner=128K`);
    await writeZvol(0, 2 * MiB);
    const file = z.file('initial.plan');
    const plan = await z.plan(cfg, file);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), plan, 'the saved plan is the plan printed');
    const snaps = plan.jobs.flatMap((j) => j.snapshots.flatMap((a) => (a.kind === 'snapshot' ? a.snapshots : [])));
    first = snaps[0]!.split('@')[1]!;
    assert.match(first, /^zform_\d{8}_\d{6}_\d{3}$/);
    assert.deepEqual(snaps, [...TREE, ...VAULT].map((d) => `${d}@${first}`), 'one snapshot per dataset, per job');
    assert.deepEqual(planSends(plan), [...TREE.map(treeTarget), ...VAULT.map(vaultTarget)].map((t) => [t, 'full', null, `@${first}`]));
    assert.ok(planSends(plan).length === 6 && plan.jobs.every((j) => j.targetHost === TARGET_HOST));

    await applySaved(plan, file);
    await assertSameSnapshots(`${S}/data`, treeTarget);
    await assertSameSnapshots(`${S}/vault`, vaultTarget);
    await assertSteadyProtection(first);
    // zvol and raw encryption arrived as such
    assert.equal((await sh(`zfs get -H -p -o value type,volsize ${treeTarget(`${S}/data/vol`)}`)).trim(), `volume\n${16 * MiB}`);
    // each dataset is sent on its own (not -R), so a raw-received child becomes its own encryption root
    assert.equal((await sh(`zfs get -H -t filesystem -o name,value encryption,keystatus,encryptionroot -r ${T}/vault/${S}/vault`)).trim(), [
      `${T}/vault/${S}/vault\taes-256-gcm`, `${T}/vault/${S}/vault\tunavailable`, `${T}/vault/${S}/vault\t${T}/vault/${S}/vault`,
      `${T}/vault/${S}/vault/inner\taes-256-gcm`, `${T}/vault/${S}/vault/inner\tunavailable`, `${T}/vault/${S}/vault/inner\t${T}/vault/${S}/vault/inner`,
    ].join('\n'), 'raw receive: encrypted on the target, key not loaded');
    assert.equal((await sh(`zfs get -H -o value zform:placeholder ${T}/backup ${T}/backup/${S} ${T}/vault ${T}/vault/${S}`)).trim(), 'on\non\non\non');
    await assertFilesMatch(first);
    await assertVaultFilesMatch(first);
    await z.assertNoChanges(cfg);
  });

  test(`incremental: two new snapshots per dataset in one -I step${o.ssh ? ' over SSH' : ''}; the last-received hold and the cursor move, exactly as planned`, async () => {
    await writeData([`${S}/data/a`, 256 * KiB], [`${S}/data/a/b`, 128 * KiB], [`${S}/vault/inner`, 64 * KiB]);
    await sh(`zfs snapshot -r ${S}/data@m1 ${S}/vault@m1`);
    await writeZvol(4, MiB);
    await writeData([`${S}/data`, 128 * KiB], [`${S}/data/a/b`, 128 * KiB], [`${S}/vault`, 64 * KiB]);
    await sh(`zfs snapshot -r ${S}/data@m2 ${S}/vault@m2`);
    const file = z.file('incremental.plan');
    const plan = await z.plan(cfg, file);
    assert.deepEqual(planSends(plan), [...TREE.map(treeTarget), ...VAULT.map(vaultTarget)].map((t) => [t, 'incremental', `@${first}`, '@m2']));
    for (const a of plan.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions))) {
      if (a.kind === 'send') assert.deepEqual([a.intermediates, a.includes.map((r) => r.name)], [true, ['m1', 'm2']]);
    }
    assert.equal(plan.jobs.flatMap((j) => j.snapshots).length, 0, 'the interval has not passed: no snapshot');
    await applySaved(plan, file);
    await assertSameSnapshots(`${S}/data`, treeTarget);
    await assertSameSnapshots(`${S}/vault`, vaultTarget);
    assert.deepEqual(await readSnapshots(treeTarget(`${S}/data/a`)), [first, 'm1', 'm2']);
    await assertSteadyProtection('m2');
    await assertFilesMatch('m2');
    await assertVaultFilesMatch('m2');
    await z.assertNoChanges(cfg);
  });

  test(`pruning the source's last common snapshot: the next incremental starts at the cursor bookmark${o.ssh ? ' (over SSH)' : ''}`, async () => {
    const before = await readGuids(S);
    await sh(`zfs destroy -r ${S}/data@m2 && zfs destroy -r ${S}/vault@m2`);
    await writeData([`${S}/data/a`, 128 * KiB], [`${S}/vault/inner`, 64 * KiB]);
    await sh(`zfs snapshot -r ${S}/data@m3 ${S}/vault@m3`);
    const plan = await z.plan(cfg);
    assert.deepEqual(planSends(plan), [
      ...TREE.map((d) => [treeTarget(d), 'incremental', `#${cursorName(before.get(`${d}@m2`)!, 'tree')}`, '@m3']),
      ...VAULT.map((d) => [vaultTarget(d), 'incremental', `#${cursorName(before.get(`${d}@m2`)!, 'vault')}`, '@m3']),
    ], 'sends from the cursor bookmark, not from the older common snapshot @m1');
    const r = await z.run(['apply', '-c', cfg, '--auto-approve']);
    assertExit(r, 0, 'apply --auto-approve');
    assert.match(r.stdout, /^Apply complete! 6 sends \(/m);
    const after = await readGuids(S);
    const tgt = await readGuids(T);
    for (const d of TREE) assert.equal(tgt.get(`${treeTarget(d)}@m3`), after.get(`${d}@m3`), `${d}@m3 GUID on the target`);
    for (const d of VAULT) assert.equal(tgt.get(`${vaultTarget(d)}@m3`), after.get(`${d}@m3`), `${d}@m3 GUID on the target`);
    assert.deepEqual(await readSnapshots(treeTarget(`${S}/data/a`)), [first, 'm1', 'm2', 'm3'], 'the target keeps what it had');
    await assertSteadyProtection('m3');
    await assertFilesMatch('m3');
    await z.assertNoChanges(cfg);
  });

  let n = 3;
  for (const kill of o.kills) {
    n++;
    const snap = `m${n}`;
    const victim = `${S}/data/a/b`;
    const title = kill === 'zform'
      ? `kill -9 of zform mid-transfer${o.ssh ? ' (target over SSH)' : ''}: the next apply takes over the lock, resumes from the token, and the files match`
      : 'kill -9 of the remote zfs receive mid-transfer: that dataset fails (exit 1), the others replicate; the next apply resumes from the token and the files match';
    test(title, async () => {
      await writeData([victim, 6 * MiB], [`${S}/data/a`, 64 * KiB]);
      await sh(`zfs snapshot -r ${S}/data@${snap}`);
      const run = z.start(['apply', '-c', slowCfg, '--job', 'tree', '--auto-approve', '--json']);
      await run.waitForLine((l) => {
        const e = JSON.parse(l) as { type: string; dataset: string; bytes: number };
        return e.type === 'apply_progress' && e.dataset === treeTarget(victim) && e.bytes >= MiB;
      }, `a progress event of ${victim} past 1 MiB`);
      await waitForReceiveBegun(treeTarget(victim));
      if (kill === 'zform') {
        const lock = JSON.parse(readFileSync(`${z.lockDir}/tree.lock`, 'utf8')) as { pid: number };
        assert.equal(lock.pid, run.pid, 'the running apply holds the lock');
        run.kill('SIGKILL');
        const r = await run.done;
        assert.equal(r.signal, 'SIGKILL');
        await waitForNoZfsTransfer();
        assert.equal(JSON.parse(readFileSync(`${z.lockDir}/tree.lock`, 'utf8')).pid, run.pid, 'the killed run left its lock');
      } else {
        const killed = await sh(`pkill -9 -e -f '^zfs receive ' || true`);
        assert.match(killed, /killed \(pid \d+\)/, 'a zfs receive ran');
        const r = await run.done;
        assertExit(r, 1, 'apply whose remote receive was killed');
        const events = parseApplyEvents(r.stdout, ['tree'], [S, T]);
        const errored = events.filter((e) => e.type === 'apply_errored');
        assert.deepEqual(errored.map((e) => [e.dataset, (e.action as { kind: string }).kind]), [[treeTarget(victim), 'send']]);
        const summary = events.at(-1)! as { type: string; outcomes: { target: string; status: string }[] };
        assert.equal(summary.type, 'change_summary');
        assert.deepEqual(summary.outcomes.map((x) => [x.target, x.status]), [
          [treeTarget(`${S}/data`), 'ok'], [treeTarget(`${S}/data/a`), 'ok'], [treeTarget(victim), 'failed'], [treeTarget(`${S}/data/vol`), 'ok'],
        ]);
        const g = await readGuids(S);
        const t = await readGuids(T);
        for (const d of [`${S}/data`, `${S}/data/a`, `${S}/data/vol`]) assert.equal(t.get(`${treeTarget(d)}@${snap}`), g.get(`${d}@${snap}`), `${d} replicated`);
      }
      const token = await resumeToken(treeTarget(victim));
      assert.match(token, /^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/, 'resumable state on the target');
      assert.equal((await readGuids(T)).has(`${treeTarget(victim)}@${snap}`), false);

      const plan = await z.plan(cfg);
      const sends = plan.jobs.flatMap((j) => j.datasets.flatMap((d) => d.actions)).filter((a) => a.kind === 'send');
      const resume = sends.find((a) => a.kind === 'send' && a.targetDataset === treeTarget(victim));
      assert.ok(resume && resume.kind === 'send');
      assert.deepEqual([resume.mode, resume.token, resume.to.name], ['resume', token, snap]);
      const r2 = await z.run(['apply', '-c', cfg, '--auto-approve']);
      assertExit(r2, 0, 'the apply that resumes');
      assert.match(r2.stdout, new RegExp(`^done  send ${victim} resume @${snap} to ${o.ssh ? 'nas:' : ''}${treeTarget(victim)} \\(`, 'm'));
      assert.equal(await resumeToken(treeTarget(victim)), '-');
      const g = await readGuids(S);
      const t = await readGuids(T);
      for (const d of TREE) assert.equal(t.get(`${treeTarget(d)}@${snap}`), g.get(`${d}@${snap}`), `${d}@${snap} GUID on the target`);
      assert.equal(await checksumReceived(treeTarget(victim)), await checksumSnapshot(victim, snap), 'the resumed files match the source');
      const prot = await readProtection([S, T]);
      assert.deepEqual(prot.holds.filter((h) => h.includes('zform_STEP_J_')), [], 'no step hold left');
      assert.deepEqual(prot.holds.filter((h) => h.startsWith(`${treeTarget(victim)}@`)), [`${treeTarget(victim)}@${snap} ${lastReceived('tree')}`]);
      assert.equal(r2.stderr, '');
      await z.assertNoChanges(cfg);
    });
  }
}
