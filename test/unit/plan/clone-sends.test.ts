// Source clones whose origin the job replicates too: the first replication of a clone is an incremental from its
// origin, received as a clone of the origin's replica (zfs receive -o origin), after the chain that delivers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, actionsOf, dsPlan, job, lines, plan, token } from '../../support/dsl.js';

const TMPL = 'tank/tmpl @base:g10[clones=1] @s2:g11';
const VM = 'tank/vm origin=tank/tmpl@base @a:g20 @b:g21';

test('both new: the origin dataset starts at the cloned snapshot; the clone is sent from it, received as a clone, after it', () => {
  const p = plan({ job: job({ filesystems: { 'tank<': true } }), src: `tank\n${TMPL}\n${VM}`, dst: 'backup' });
  assert.deepEqual(lines(p, 'tank/tmpl').filter((l) => l.startsWith('send')), ['send full tank/tmpl@base', 'send -i tank/tmpl@base -> @s2']);
  const [first] = actionsOf(p, 'tank/tmpl', 'send');
  assert.equal(first!.reason, 'initial replication (initial: most_recent): full send of @base, the oldest snapshot a dataset of the job was cloned from (so that the clone is received as a clone), the others follow incrementally');
  // most_recent for the clone: one step, from its origin to its newest snapshot
  assert.deepEqual(lines(p, 'tank/vm'), [
    'hold step tank/vm@b',
    'send -i tank/tmpl@base -> @b',
    'hold last_received backup/tank/vm@b',
    'bookmark cursor tank/vm@b',
    'release step tank/vm@b',
  ], 'no hold on the origin (zfs keeps it while the clone exists), none in the other dataset');
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.equal(send!.mode, 'incremental');
  assert.deepEqual(send!.from, { dataset: 'tank/tmpl', kind: 'snapshot', name: 'base', guid: G('g10'), createtxg: send!.from!.createtxg });
  assert.equal(send!.receive.origin, 'backup/tank/tmpl@base');
  assert.match(send!.reason, /^initial replication of a clone \(initial: most_recent\): incremental from its origin tank\/tmpl@base, received as a clone of backup\/tank\/tmpl@base \(zfs receive -o origin\)/);
  assert.ok(dsPlan(p, 'tank/vm').dependsOn.includes('tank/tmpl'), 'waits for the chain that delivers the origin');
  assert.equal(actionsOf(p, 'tank/tmpl', 'send').some((a) => a.receive.origin !== undefined), false);
  assert.deepEqual(dsPlan(p, 'tank/vm').diagnostics, []);
});

test('initial all: the clone\'s first step is from its origin to its oldest snapshot, then the rest as usual', () => {
  const p = plan({ job: job({ replication: { initial: 'all' } }), src: `tank\n${TMPL}\n${VM}`, dst: 'backup' });
  assert.deepEqual(lines(p, 'tank/vm').filter((l) => l.startsWith('send')), ['send -i tank/tmpl@base -> @a', 'send -i tank/vm@a -> @b']);
  assert.deepEqual(actionsOf(p, 'tank/vm', 'send').map((a) => a.receive.origin), ['backup/tank/tmpl@base', undefined]);
});

test('the origin already on the target (by GUID, under its name there): no wait, and its pruning keeps it until the clone is received', () => {
  const p = plan({
    job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank\n${TMPL}\n${VM}`,
    dst: 'backup\nbackup/tank\nbackup/tank/tmpl @renamed:g10 @s2:g11[hold=zform_last_received_J_j]',
  });
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.equal(send!.receive.origin, 'backup/tank/tmpl@renamed');
  assert.deepEqual(dsPlan(p, 'tank/vm').dependsOn, []);
  assert.equal(actionsOf(p, 'tank/tmpl', 'destroy_snapshots').length, 0, 'last_n 1 would let @renamed go: a clone is received from it');
  // once the clone is on the target, the origin's replica has a clone: zfs's numclones keeps it from then on
  const after = plan({
    job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }),
    src: `tank\n${TMPL}\n${VM}`,
    dst: 'backup\nbackup/tank\nbackup/tank/tmpl @renamed:g10[clones=1] @s2:g11[hold=zform_last_received_J_j]\nbackup/tank/vm @b:g21[hold=zform_last_received_J_j]',
  });
  assert.equal(actionsOf(after, 'tank/vm', 'send').length, 0);
  assert.equal(actionsOf(after, 'tank/tmpl', 'destroy_snapshots').length, 0);
});

test('the origin cannot reach the target (its replica starts after it): the clone is sent in full, with a warning', () => {
  const p = plan({ job: job(), src: `tank\n${TMPL}\n${VM}`, dst: 'backup\nbackup/tank\nbackup/tank/tmpl @s2:g11[hold=zform_last_received_J_j]' });
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.equal(send!.mode, 'full');
  assert.equal(send!.receive.origin, undefined);
  const w = dsPlan(p, 'tank/vm').diagnostics;
  assert.deepEqual(w.map((d) => [d.severity, d.summary]), [['warning', 'tank/vm is a clone of tank/tmpl@base, which is not on the target: sent in full']]);
  assert.match(w[0]!.detail[0]!, /^backup\/tank\/tmpl does not have @base \(guid \d+\), and this plan does not send it there/);
});

test('an origin outside the job\'s selection: the clone is sent in full, as any dataset, without a warning', () => {
  const p = plan({ job: job({ filesystems: { 'tank/vm': true } }), src: `tank\n${TMPL}\n${VM}`, dst: 'backup\nbackup/tank' });
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.equal(send!.mode, 'full');
  assert.equal(send!.estimatedBytes, 3 * 1024 * 1024, 'a full stream carries the origin\'s data (its @base) with the clone\'s own (@a, @b)');
  assert.deepEqual(dsPlan(p, 'tank/vm').diagnostics, []);
});

test('a clone named before its origin is planned after it (path order otherwise), and a clone of a clone after both', () => {
  const p = plan({
    job: job(),
    src: 'tank\ntank/a-vm origin=tank/z-tmpl@base @a:g20\ntank/b-vm origin=tank/a-vm@a @x:g30\ntank/z-tmpl @base:g10[clones=1]',
    dst: 'backup',
  });
  assert.deepEqual(actionsOf(p, 'tank/a-vm', 'send').map((a) => [a.from && `${a.from.dataset}@${a.from.name}`, a.receive.origin]), [['tank/z-tmpl@base', 'backup/tank/z-tmpl@base']]);
  assert.deepEqual(actionsOf(p, 'tank/b-vm', 'send').map((a) => [a.from && `${a.from.dataset}@${a.from.name}`, a.receive.origin]), [['tank/a-vm@a', 'backup/tank/a-vm@a']]);
  assert.ok(dsPlan(p, 'tank/a-vm').dependsOn.includes('tank/z-tmpl'));
  assert.ok(dsPlan(p, 'tank/b-vm').dependsOn.includes('tank/a-vm'));
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => d.source), ['tank', 'tank/a-vm', 'tank/b-vm', 'tank/z-tmpl'], 'the plan itself stays in path order');
});

test('an interrupted clone receive resumes: its token\'s incremental source is the origin, and the target has no snapshot yet', () => {
  const T = token({ toname: 'tank/vm@b', toguid: G('g21'), fromguid: G('g10'), bytes: 1000 });
  const p = plan({
    job: job(), tokens: { T1: T },
    src: `tank\n${TMPL}\n${VM}`,
    dst: 'backup\nbackup/tank\nbackup/tank/tmpl @base:g10[clones=1] @s2:g11[hold=zform_last_received_J_j]\nbackup/tank/vm origin=backup/tank/tmpl@base token=T1',
  });
  const sends = actionsOf(p, 'tank/vm', 'send');
  assert.deepEqual(sends.map((s) => [s.mode, s.token, s.from && s.from.dataset]), [['resume', 'T1', 'tank/tmpl']]);
  assert.equal(sends[0]!.estimatedBytes, 2 * 1024 * 1024 - 1000, 'the clone\'s own data up to @b, less what arrived');
  assert.deepEqual(dsPlan(p, 'tank/vm').diagnostics, []);
});

test('a clone already replicated continues incrementally from its own snapshots, whatever its origin', () => {
  const p = plan({
    job: job(), src: `tank\n${TMPL}\n${VM} @c:g22`,
    dst: 'backup\nbackup/tank\nbackup/tank/tmpl @base:g10[clones=1] @s2:g11[hold=zform_last_received_J_j]\nbackup/tank/vm origin=backup/tank/tmpl@base @a:g20 @b:g21[hold=zform_last_received_J_j]',
  });
  assert.deepEqual(lines(p, 'tank/vm').filter((l) => l.startsWith('send')), ['send -i tank/vm@b -> @c']);
  assert.equal(actionsOf(p, 'tank/vm', 'send')[0]!.receive.origin, undefined);
});

test('an origin that replication.snapshots excludes never reaches the target: the clone is sent in full, and the warning says why', () => {
  const p = plan({ job: job({ replication: { snapshots: '^(s2|a|b)$' } }), src: `tank\n${TMPL}\n${VM}`, dst: 'backup' });
  assert.deepEqual(lines(p, 'tank/tmpl').filter((l) => l.startsWith('send')), ['send full tank/tmpl@s2'], 'most_recent as usual: @base cannot go');
  assert.equal(actionsOf(p, 'tank/vm', 'send')[0]!.mode, 'full');
  const [w] = dsPlan(p, 'tank/vm').diagnostics;
  assert.equal(w!.summary, 'tank/vm is a clone of tank/tmpl@base, which is not on the target: sent in full');
  assert.match(w!.detail[0]!, /this plan does not send it there: it does not match replication\.snapshots$/);
});

test('after zfs promote on the source, a new clone\'s origin is found by GUID in the replica it was received into', () => {
  // promoted: tank/vm now owns @base (g10); tank/tmpl is a clone of it. The target is as zform left it before the
  // promote: backup/tank/tmpl has @base, backup/tank/vm is a clone of it.
  const src = 'tank\ntank/tmpl origin=tank/vm@base @s2:g11\ntank/vm @base:g10[clones=2] @a:g20 @b:g21\ntank/vm2 origin=tank/vm@base @x:g30';
  const dst = 'backup\nbackup/tank\nbackup/tank/tmpl @base:g10[clones=1] @s2:g11[hold=zform_last_received_J_j]\n'
    + 'backup/tank/vm origin=backup/tank/tmpl@base @a:g20 @b:g21[hold=zform_last_received_J_j]';
  const p = plan({ job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }), src, dst });
  const [send] = actionsOf(p, 'tank/vm2', 'send');
  assert.equal(send!.mode, 'incremental');
  assert.deepEqual([send!.from?.dataset, send!.from?.name], ['tank/vm', 'base'], 'sent from the source\'s origin, where the promote moved it');
  assert.equal(send!.receive.origin, 'backup/tank/tmpl@base', 'received as a clone of the replica that has that GUID');
  assert.deepEqual(dsPlan(p, 'tank/vm2').dependsOn, []);
  assert.deepEqual(dsPlan(p, 'tank/vm2').diagnostics, []);
  assert.deepEqual(lines(p, 'tank/vm').filter((l) => l.startsWith('send')), [], 'the promoted clone is not sent again from @base');
  assert.equal(actionsOf(p, 'tank/tmpl', 'destroy_snapshots').length, 0, 'the replica\'s @base is kept for the clone received from it');
  // kept by the plan itself, not only by zfs's numclones: the same with no clone of it on the target yet
  const bare = plan({
    job: job({ pruning: { keepTarget: [{ type: 'last_n', count: 1 }] } }), src,
    dst: 'backup\nbackup/tank\nbackup/tank/tmpl @base:g10 @s2:g11[hold=zform_last_received_J_j]',
  });
  assert.equal(actionsOf(bare, 'tank/vm2', 'send')[0]!.receive.origin, 'backup/tank/tmpl@base');
  assert.equal(actionsOf(bare, 'tank/tmpl', 'destroy_snapshots').length, 0, 'last_n 1 would let @base go');
});

test('an origin\'s GUID in two replicas of the selection (which to name is not knowable): sent in full, with the warning', () => {
  const src = 'tank\ntank/a @base:g10 @s:g11\ntank/b @p:g12\ntank/c @q:g13\ntank/vm origin=tank/a@base @x:g30';
  const dst = 'backup\nbackup/tank\nbackup/tank/a @s:g11[hold=zform_last_received_J_j]\n'
    + 'backup/tank/b @x1:g10 @p:g12[hold=zform_last_received_J_j]\nbackup/tank/c @x2:g10 @q:g13[hold=zform_last_received_J_j]';
  const p = plan({ job: job(), src, dst });
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.equal(send!.mode, 'full');
  assert.equal(send!.receive.origin, undefined);
  assert.deepEqual(dsPlan(p, 'tank/vm').diagnostics.map((d) => d.summary), ['tank/vm is a clone of tank/a@base, which is not on the target: sent in full']);
});

test('an origin found in another replica that its own plan rolls back (allow_rollback) is not used: sent in full, with the warning', () => {
  const src = 'tank\ntank/tmpl origin=tank/vm@base @s2:g11\ntank/vm @base:g10[clones=2] @a:g20\ntank/vm2 origin=tank/vm@base @x:g30';
  const dst = 'backup\nbackup/tank\nbackup/tank/tmpl @s2:g11[hold=zform_last_received_J_j] @base:g10\n'
    + 'backup/tank/vm @a:g20[hold=zform_last_received_J_j]';
  const p = plan({ job: job({ replication: { allowRollback: true } }), src, dst });
  const rollbacks = actionsOf(p, 'tank/tmpl', 'rollback');
  assert.deepEqual(rollbacks.map((a) => a.destroys.map((r) => r.name)), [['base']], 'the premise: the replica\'s @base is rolled away');
  const [send] = actionsOf(p, 'tank/vm2', 'send');
  assert.equal(send!.mode, 'full');
  assert.equal(send!.receive.origin, undefined);
  assert.equal(dsPlan(p, 'tank/vm2').diagnostics.length, 1);
});

test('replication.clones: false: every dataset in full, as syncoid --no-clone-handling (no wait, no warning, most_recent as usual)', () => {
  const p = plan({ job: job({ replication: { clones: false } }), src: `tank\n${TMPL}\n${VM}`, dst: 'backup' });
  assert.deepEqual(lines(p, 'tank/tmpl').filter((l) => l.startsWith('send')), ['send full tank/tmpl@s2']);
  const [send] = actionsOf(p, 'tank/vm', 'send');
  assert.deepEqual([send!.mode, send!.from, send!.receive.origin], ['full', null, undefined]);
  assert.equal(send!.estimatedBytes, 3 * 1024 * 1024, 'the full stream carries the origin\'s data');
  assert.deepEqual(dsPlan(p, 'tank/vm').dependsOn, ['tank'], 'its parent only, not its origin dataset');
  assert.deepEqual(dsPlan(p, 'tank/vm').diagnostics, []);
});
