// How `zform apply` refuses, fails and stops on real OpenZFS, to a local target or over SSH: no terminal and no
// --auto-approve (64, nothing changed), --json events, a stale saved plan (1, nothing changed), a dataset whose target
// runs out of space (1, the others replicate), a concurrent apply (75) and SIGINT mid-transfer (130, resumable).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { createPool, sh, type Pool } from './lib.js';
import { layout } from './layout.js';
import {
  Zform, assertExit, checksumReceived, checksumSnapshot, parseApplyEvents, planSends, readGuids, readProtection, resumeToken,
  setupSshLogin, waitForReceiveBegun, writeData,
} from './apply-helpers.js';

export interface ControlOptions {
  /** pool names are <prefix>s (source) and <prefix>t (target) */
  prefix: string;
  ssh: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function controlScenarios(o: ControlOptions): void {
  const S = `${o.prefix}s`;
  const T = `${o.prefix}t`;
  const HOST = o.ssh ? 'nas' : 'local';
  const on = (ds: string) => (o.ssh ? `nas:${ds}` : ds);
  const z = new Zform();
  let src: Pool;
  let dst: Pool;
  let cfg = '';
  /** the same jobs without the bandwidth limit: the apply that resumes need not wait on it */
  let fastCfg = '';
  let hostsYaml = '';

  const X = `${S}/o/full/x`;
  const Y = `${S}/o/ok/y`;
  const BIG = `${S}/big`;
  const tgt = (ds: string) => `${T}/bk/${ds}`;
  const slowTgt = (ds: string) => `${T}/slow/${ds}`;

  const config = (limit = true) => `${hostsYaml}
jobs:
  - name: ctl
    source: { filesystems: { "${X}": true, "${Y}": true } }
    target: { host: ${HOST}, root_fs: ${T}/bk }
    snapshotting: { prefix: zform_, interval: 1h }
  - name: slow
    source: { filesystems: { "${BIG}": true } }
    target: { host: ${HOST}, root_fs: ${T}/slow }
${limit ? '    send: { bandwidth_limit: { max: 256 KiB } }   # slow enough to run a second apply and interrupt this one\n' : ''}`;

  /** Everything zform could change on both pools: datasets, snapshots, bookmarks (GUIDs), holds, resume tokens. */
  const state = async () => ({
    guids: [...(await readGuids(S)), ...(await readGuids(T))],
    protection: await readProtection([S, T]),
    tokens: await sh(`zfs get -H -r -o name,value receive_resume_token ${T}`),
  });

  before(async () => {
    src = await createPool(S, { mounted: true });
    dst = await createPool(T);
    if (o.ssh) {
      const login = await setupSshLogin('zformapply');
      hostsYaml = `hosts:
  nas:
    ssh: { host: 127.0.0.1, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts} }
`;
    }
    cfg = z.config('zform.yml', config());
    fastCfg = z.config('fast.yml', config(false));
    await layout(src, 'o/full/x o/ok/y big data:o/full/x=256K data:o/ok/y=256K data:big=256K big@b0');
  });

  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('apply without a terminal and without --auto-approve exits 64 and changes nothing (also with --json)', async () => {
    const before = await state();
    const r = await z.run(['apply', '-c', cfg]);
    assertExit(r, 64, 'apply without a TTY');
    assert.equal(r.stderr, "zform: standard input is not a terminal, so apply cannot ask for confirmation: use --auto-approve (cron, systemd) or apply a saved plan\nRun 'zform --help' for usage.\n");
    assert.equal(r.stdout, '');
    const j = await z.run(['apply', '-c', cfg, '--json']);
    assertExit(j, 64, 'apply --json without --auto-approve');
    assert.equal(j.stderr, "zform: apply --json needs --auto-approve or a saved PLANFILE (there is no way to ask for confirmation)\nRun 'zform --help' for usage.\n");
    assert.equal(j.stdout, '');
    assert.deepEqual(await state(), before, 'nothing changed');
  });

  test(`apply --json${o.ssh ? ' over SSH' : ''}: NDJSON events of the documented types, each with @timestamp, job and dataset`, async () => {
    const r = await z.run(['apply', '-c', cfg, '--auto-approve', '--json']);
    assertExit(r, 0, 'initial apply --json');
    assert.equal(r.stderr, '');
    const events = parseApplyEvents(r.stdout, ['ctl', 'slow'], [S, T]);
    const types = new Set(events.map((e) => e.type as string));
    assert.deepEqual([...types].sort(), ['apply_complete', 'apply_progress', 'apply_start', 'change_summary']);
    const summary = events.at(-1)!;
    assert.equal(summary.interrupted, false);
    assert.deepEqual((summary.changes as { sends: number }).sends, 3);
    const starts = events.filter((e) => e.type === 'apply_start').map((e) => (e.action as { id: string }).id);
    const completes = events.filter((e) => e.type === 'apply_complete').map((e) => (e.action as { id: string }).id);
    assert.deepEqual(completes, starts, 'every started action completed, in order');
    const sendDone = events.filter((e) => e.type === 'apply_complete' && (e.action as { kind: string }).kind === 'send');
    assert.deepEqual(sendDone.map((e) => [e.job, e.dataset]), [['ctl', tgt(X)], ['ctl', tgt(Y)], ['slow', slowTgt(BIG)]]);
    for (const e of sendDone) assert.ok((e.bytes as number) > 256 * 1024, `bytes of ${e.dataset}: ${e.bytes}`);
    const progress = events.filter((e) => e.type === 'apply_progress');
    assert.deepEqual([...new Set(progress.map((e) => e.dataset))], [tgt(X), tgt(Y), slowTgt(BIG)]);
    for (const e of progress) assert.equal(typeof e.elapsed_seconds, 'number');
    const g = await readGuids(S);
    const t = await readGuids(T);
    for (const ds of [X, Y]) {
      const snaps = [...g.keys()].filter((n) => n.startsWith(`${ds}@zform_`));
      assert.equal(snaps.length, 1);
      assert.equal(t.get(tgt(snaps[0]!)), g.get(snaps[0]!));
    }
    await z.assertNoChanges(cfg);
    // with nothing to do, --json still ends with its change_summary, and nothing changes
    const before = await state();
    const again = await z.run(['apply', '-c', cfg, '--auto-approve', '--json']);
    assertExit(again, 0, 'apply --json with nothing to do');
    assert.equal(again.stderr, '');
    const [only, ...rest] = parseApplyEvents(again.stdout, [], [S, T]);
    assert.deepEqual(rest, []);
    assert.deepEqual([only!.type, only!['@message'], only!.changes, only!.interrupted, only!.outcomes, only!.snapshot_failures], [
      'change_summary', 'Apply finished: nothing changed',
      { sends: 0, bytes: 0, snapshots: 0, destroys: 0, holds: 0, releases: 0, bookmarks: 0, rollbacks: 0, placeholders: 0, aborts: 0 },
      false, [], [],
    ]);
    assert.deepEqual(await state(), before);
  });

  test('a stale saved plan is refused (exit 1, nothing changed): a new snapshot on the source, then a changed config', async () => {
    await writeData([X, 64 * KiB], [Y, 64 * KiB]);
    await sh(`zfs snapshot ${X}@n1 ${Y}@n1`);
    const file = z.file('stale.plan');
    const plan = await z.plan(cfg, file);
    assert.deepEqual(planSends(plan).map((s) => s[0]), [tgt(X), tgt(Y)]);
    await sh(`zfs snapshot ${Y}@late`);
    const before = await state();
    const r = await z.run(['apply', '-c', cfg, file]);
    assertExit(r, 1, 'apply of a stale plan');
    assert.equal(r.stderr, `zform: saved plan is stale: job ctl, dataset ${Y}: local:${Y} changed since the plan was made (snapshots, GUIDs or resume state); plan again\n`);
    assert.deepEqual(await state(), before, 'nothing changed');

    const file2 = z.file('stale2.plan');
    await z.plan(cfg, file2);
    appendFileSync(cfg, '# edited after planning\n');
    const r2 = await z.run(['apply', '-c', cfg, file2]);
    assertExit(r2, 1, 'apply of a plan made with another config');
    assert.equal(r2.stderr, `zform: saved plan is stale: it was made from the configuration ${JSON.stringify(cfg)}, and ${cfg} differs from it (changed since, or another file); plan again\n`);
    assert.deepEqual(await state(), before, 'nothing changed');

    const fresh = z.file('fresh.plan');
    await z.plan(cfg, fresh);
    assertExit(await z.run(['apply', '-c', cfg, fresh]), 0, 'apply of a fresh plan');
    await z.assertNoChanges(cfg, '--job', 'ctl');
  });

  test(`a target out of space fails only that dataset (exit 1); the other replicates${o.ssh ? ' over SSH' : ''}; with space again the next apply completes`, async () => {
    // the placeholder above x's target gets a quota just above what it holds
    const parent = `${T}/bk/${S}/o/full`;
    const used = Number((await sh(`zfs get -H -p -o value used ${parent}`)).trim());
    await sh(`zfs set quota=${used + 512 * 1024} ${parent}`);
    await writeData([X, 4 * MiB], [Y, 128 * KiB]);
    await sh(`zfs snapshot ${X}@n2 ${Y}@n2`);
    const r = await z.run(['apply', '-c', cfg, '--job', 'ctl', '--auto-approve', '--json']);
    assertExit(r, 1, 'apply with x out of space');
    const events = parseApplyEvents(r.stdout, ['ctl', 'slow'], [S, T]);
    const errored = events.filter((e) => e.type === 'apply_errored');
    assert.deepEqual(errored.map((e) => [e.job, e.dataset, (e.action as { kind: string }).kind]), [['ctl', tgt(X), 'send']]);
    assert.equal(errored[0]!.error, `zfs receive on ${HOST}: cannot receive incremental stream: destination ${tgt(X)} space quota exceeded.`);
    const summary = events.at(-1) as { type: string; outcomes: { target: string; status: string; reason: string | null }[] };
    assert.equal(summary.type, 'change_summary');
    assert.deepEqual(summary.outcomes.map((x) => [x.target, x.status]), [[tgt(X), 'failed'], [tgt(Y), 'ok']]);
    assert.equal(summary.outcomes[0]!.reason, errored[0]!.error);
    const g = await readGuids(S);
    const t = await readGuids(T);
    assert.equal(t.get(tgt(`${Y}@n2`)), g.get(`${Y}@n2`), 'y replicated');
    assert.equal(t.has(tgt(`${X}@n2`)), false, 'x did not');
    const prot = await readProtection([S, T]);
    assert.deepEqual(prot.holds.filter((h) => h.includes('zform_STEP_J_')), [`${X}@n1 zform_STEP_J_ctl`, `${X}@n2 zform_STEP_J_ctl`], 'x\'s step stays protected for the retry');
    assert.deepEqual(prot.holds.filter((h) => h.startsWith(`${tgt(Y)}@`)), [`${tgt(Y)}@n2 zform_last_received_J_ctl`]);

    await sh(`zfs set quota=none ${parent}`);
    const r2 = await z.run(['apply', '-c', cfg, '--job', 'ctl', '--auto-approve']);
    assertExit(r2, 0, 'apply with space again');
    assert.match(r2.stdout, new RegExp(`^done  send ${X} (resume|incremental) .*to ${on(tgt(X))} \\(`, 'm'));
    const t2 = await readGuids(T);
    assert.equal(t2.get(tgt(`${X}@n2`)), g.get(`${X}@n2`));
    assert.equal(await checksumReceived(tgt(X)), await checksumSnapshot(X, 'n2'));
    assert.deepEqual((await readProtection([S, T])).holds.filter((h) => h.includes('zform_STEP_J_')), []);
    await z.assertNoChanges(cfg, '--job', 'ctl');
  });

  test(`concurrent applies: the second exits 75 naming the lock's pid; SIGINT mid-transfer${o.ssh ? ' over SSH' : ''} exits 130 and keeps resumable state; the next plan resumes`, async () => {
    // 32 MiB at 256 KiB/s: two minutes, room for the two applies below before the SIGINT even on a loaded machine (with
    // 8 MiB the transfer ended first over SSH in a full run of both versions, and the SIGINT found no send to stop);
    // no run waits for all of it: the SIGINT stops it, and the apply that resumes has no limit
    await writeData([BIG, 32 * MiB]);
    await sh(`zfs snapshot ${BIG}@b1`);
    const a = z.start(['apply', '-c', cfg, '--job', 'slow', '--auto-approve', '--json']);
    await a.waitForLine((l) => (JSON.parse(l) as { type: string; dataset: string; bytes: number }).type === 'apply_progress', 'the first progress event');
    const lock = JSON.parse(readFileSync(`${z.lockDir}/slow.lock`, 'utf8')) as { pid: number; since: string };
    assert.equal(lock.pid, a.pid);
    assert.match(lock.since, ISO);
    const b = await z.run(['apply', '-c', cfg, '--job', 'slow', '--auto-approve']);
    assertExit(b, 75, 'the second apply');
    assert.equal(b.stderr, `zform: job slow is locked by pid ${a.pid} since ${lock.since}\n`);
    assert.equal(b.stdout, '');
    // the lock is per job: the other job applies meanwhile (nothing to do)
    const other = await z.run(['apply', '-c', cfg, '--job', 'ctl', '--auto-approve']);
    assertExit(other, 0, 'apply of the other job meanwhile');
    assert.match(other.stdout, /^No changes\. ZFS matches the configuration\.$/m);

    await a.waitForLine((l) => { const e = JSON.parse(l) as { type: string; bytes: number }; return e.type === 'apply_progress' && e.bytes >= MiB; }, 'progress past 1 MiB');
    await waitForReceiveBegun(slowTgt(BIG));
    a.kill('SIGINT');
    const r = await a.done;
    assertExit(r, 130, 'apply stopped by SIGINT');
    assert.equal(r.stderr, '\nzform: SIGINT: stopping every running transfer (each keeps its resumable state), skipping the rest\n');
    const events = parseApplyEvents(r.stdout, ['ctl', 'slow'], [S, T]);
    const errored = events.filter((e) => e.type === 'apply_errored');
    assert.deepEqual(errored.map((e) => [e.dataset, (e.action as { kind: string }).kind, e.error]), [[slowTgt(BIG), 'send', 'interrupted']],
      `the interrupted send's event; the events:\n${events.filter((e) => e.type !== 'apply_progress').map((e) => JSON.stringify(e)).join('\n')}`);
    const summary = events.at(-1) as { type: string; interrupted: boolean; outcomes: { target: string; status: string }[] };
    assert.deepEqual([summary.type, summary.interrupted], ['change_summary', true]);
    assert.deepEqual(summary.outcomes.map((x) => [x.target, x.status]), [[slowTgt(BIG), 'interrupted']]);
    const token = await resumeToken(slowTgt(BIG));
    assert.match(token, /^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/, 'resumable state kept');

    const h = await z.run(['plan', '-c', cfg, '--job', 'slow']);
    assertExit(h, 0, 'plan after SIGINT');
    assert.match(h.stdout, new RegExp(`^\\s+\\S+ send resume ${BIG}@b0 → @b1 to ${on(slowTgt(BIG))} \\(zfs send -t, `, 'm'), h.stdout);
    const plan = await z.plan(cfg);
    assert.deepEqual(planSends(plan), [[slowTgt(BIG), 'resume', '@b0', '@b1']]);
    const r2 = await z.run(['apply', '-c', fastCfg, '--job', 'slow', '--auto-approve']);
    assertExit(r2, 0, 'the apply that resumes');
    assert.equal(await resumeToken(slowTgt(BIG)), '-');
    assert.equal((await readGuids(T)).get(slowTgt(`${BIG}@b1`)), (await readGuids(S)).get(`${BIG}@b1`));
    assert.equal(await checksumReceived(slowTgt(BIG)), await checksumSnapshot(BIG, 'b1'));
    await z.assertNoChanges(cfg);
  });
}
