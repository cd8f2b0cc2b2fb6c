// Initial replication: full sends, placeholders for missing parents, filters, and datasets that cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsOf, dsPlan, job, lines, plan } from '../../support/dsl.js';

const FRESH = [
  'hold step tank/a@s3',
  'send full tank/a@s3',
  'hold last_received backup/tank/a@s3',
  'bookmark cursor tank/a@s3',
  'release step tank/a@s3',
];

test('fresh target, initial most_recent: one full send of the newest snapshot, protected', () => {
  const p = plan({ job: job({ filesystems: { 'tank/a': true } }), src: 'tank/a @s1:g1 @s2:g2 @s3:g3', dst: 'backup\nbackup/tank' });
  assert.deepEqual(lines(p, 'tank/a'), FRESH);
  const [send] = actionsOf(p, 'tank/a', 'send');
  assert.equal(send!.reason, 'initial replication (initial: most_recent): full send of the newest snapshot');
  assert.equal(send!.protection, 'guarantee_resumability');
  assert.equal(send!.from, null);
  assert.equal(send!.receive.force, false);
  assert.equal(send!.estimatedBytes, 3 * 1024 * 1024, 'full: written of every snapshot up to `to`');
  assert.deepEqual(dsPlan(p, 'tank/a').dependsOn, []);
});

test('initial all: full of the oldest, then the rest incrementally (-i over an excluded snapshot, then -I)', () => {
  const p = plan({ job: job({ filesystems: { 'tank/a': true }, replication: { initial: 'all', snapshots: '^z' } }), src: 'tank/a @z1:g1 @m @z2:g2 @z3:g3 @z4:g4', dst: 'backup\nbackup/tank' });
  assert.deepEqual(lines(p, 'tank/a').filter((l) => l.startsWith('send')), [
    'send full tank/a@z1',
    'send -i tank/a@z1 -> @z2',
    'send -I tank/a@z2 -> @z4 [z3,z4]',
  ]);
  const sends = actionsOf(p, 'tank/a', 'send');
  assert.equal(sends[0]!.reason, 'initial replication (initial: all): full send of the oldest snapshot, the others follow incrementally');
  assert.equal(sends[1]!.reason, '-i: skips 1 snapshot not matching replication.snapshots (@m)');
  assert.equal(sends[1]!.estimatedBytes, 2 * 1024 * 1024, 'the excluded snapshot\'s data travels in the -i stream');
});

test('the initial protection mode applies to the full send only', () => {
  const p = plan({
    job: job({ filesystems: { 'tank/a': true }, replication: { initial: 'all', protection: { initial: 'guarantee_resumability', incremental: 'guarantee_incremental' } } }),
    src: 'tank/a @s1:g1 @s2:g2', dst: 'backup\nbackup/tank',
  });
  assert.deepEqual(actionsOf(p, 'tank/a', 'send').map((s) => s.protection), ['guarantee_resumability', 'guarantee_incremental']);
  assert.deepEqual(lines(p, 'tank/a'), [
    'hold step tank/a@s1',
    'send full tank/a@s1',
    'hold last_received backup/tank/a@s1',
    'bookmark cursor tank/a@s1',
    'release step tank/a@s1',
    'bookmark tentative tank/a@s2',
    'send -i tank/a@s1 -> @s2',
    'hold last_received backup/tank/a@s2',
    'release last_received backup/tank/a@s1',
    'bookmark cursor tank/a@s2',
    'destroy tank/a#cursor(g1),#tentative(g2)',
  ]);
});

test('an empty placeholder target is replaced by a forced full receive, shown as such', () => {
  const p = plan({ job: job({ filesystems: { 'tank/a': true } }), src: 'tank/a @s1:g1', dst: 'backup\nbackup/tank placeholder\nbackup/tank/a placeholder' });
  const [send] = actionsOf(p, 'tank/a', 'send');
  assert.equal(send!.receive.force, true);
  assert.equal(send!.reason, 'initial replication (initial: most_recent): full send of the newest snapshot; replaces placeholder backup/tank/a, which holds no data (receive -F)');
  assert.deepEqual(dsPlan(p, 'tank/a').dependsOn, [], 'the target exists, nothing to wait for');
});

test('a placeholder someone stored data in is not replaced: the dataset is blocked, saying how much and what to do', () => {
  const p = plan({ job: job({ filesystems: { 'tank/a': true } }), src: 'tank/a @s1:g1', dst: 'backup\nbackup/tank placeholder\nbackup/tank/a placeholder written=500M' });
  assert.deepEqual(actionsOf(p, 'tank/a', 'send'), []);
  assert.deepEqual(dsPlan(p, 'tank/a').diagnostics.map((d) => [d.severity, d.summary, d.detail]), [[
    'error', 'placeholder backup/tank/a holds data: 500.0 MiB written into it', [
      'zform replaces only an empty placeholder (receive -F), and never overwrites data the plan cannot name',
      'move the data off backup/tank/a and destroy it (zform makes a new placeholder), or set zform:placeholder=off on it to keep it as a dataset of its own',
    ],
  ]]);
  // what an empty filesystem holds (its metadata: 24 KiB on OpenZFS 2.1, more when encrypted) is no data
  const q = plan({ job: job({ filesystems: { 'tank/a': true } }), src: 'tank/a @s1:g1', dst: 'backup\nbackup/tank placeholder\nbackup/tank/a placeholder written=200K' });
  assert.equal(actionsOf(q, 'tank/a', 'send')[0]!.receive.force, true);
});

test('nested datasets: missing parents become placeholders once, root_fs included; dependants wait for them', () => {
  const p = plan({
    job: job({ target: { rootFs: 'pool/zf' }, recv: { placeholder: { encryption: 'off' } } }),
    src: 'tank\ntank/a @s1:g1\ntank/a/b @s1:g2\ntank/c/d @s1:g3\ntank/c/e @s1:g4',
    dst: 'pool',
  });
  const jp = p.jobs[0]!;
  assert.deepEqual(jp.datasets.map((d) => [d.source, d.target, d.dependsOn]), [
    ['', 'pool/zf', []],
    ['tank', 'pool/zf/tank', ['']],
    ['tank/a', 'pool/zf/tank/a', ['', 'tank']],
    ['tank/a/b', 'pool/zf/tank/a/b', ['', 'tank', 'tank/a']],
    ['tank/c', 'pool/zf/tank/c', ['', 'tank']],
    ['tank/c/d', 'pool/zf/tank/c/d', ['', 'tank', 'tank/c']],
    ['tank/c/e', 'pool/zf/tank/c/e', ['', 'tank', 'tank/c']],
  ]);
  assert.deepEqual(lines(p, ''), ['placeholder pool/zf encryption=off']);
  assert.deepEqual(lines(p, 'tank'), ['placeholder pool/zf/tank encryption=off'], 'tank has no snapshots: a placeholder for its children');
  assert.equal(dsPlan(p, 'tank').diagnostics[0]!.conflict?.type, 'source_has_no_snapshots');
  assert.deepEqual(lines(p, 'tank/c'), ['placeholder pool/zf/tank/c encryption=off'], 'not selected (not listed), still a parent');
  assert.deepEqual(lines(p, 'tank/a/b')[1], 'send full tank/a/b@s1');
  assert.equal(p.summary.placeholders, 3);
  assert.deepEqual(dsPlan(p, '').fingerprints.map((f) => f.dataset), ['pool/zf'], 'root_fs has no source counterpart');
});

test('a parent that replicates creates its target for the children (no placeholder)', () => {
  const p = plan({ src: 'tank @s1:g1\ntank/a @s1:g2', dst: 'backup' });
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => [d.source, d.dependsOn]), [['tank', []], ['tank/a', ['tank']]]);
  assert.equal(p.summary.placeholders, 0);
});

test('a source placeholder gets no steps but its target placeholder is made when a child needs it', () => {
  const p = plan({ src: 'tank placeholder\ntank/a @s1:g1', dst: 'backup' });
  assert.deepEqual(lines(p, 'tank'), ['placeholder backup/tank']);
  assert.deepEqual(dsPlan(p, 'tank').diagnostics, []);
  assert.deepEqual(dsPlan(p, 'tank/a').dependsOn, ['tank']);
  const q = plan({ src: 'tank placeholder @s1:g1', dst: 'backup' });
  assert.deepEqual(lines(q, 'tank'), [], 'nothing needs it');
});

test('a selected parent that cannot proceed still gets a placeholder when its target is missing', () => {
  const p = plan({ job: job({ replication: { snapshots: '^z' } }), src: 'tank @manual\ntank/a @z1:g1', dst: 'backup' });
  assert.deepEqual(lines(p, 'tank'), ['placeholder backup/tank']);
  const d = dsPlan(p, 'tank').diagnostics[0]!;
  assert.equal(d.severity, 'error');
  assert.equal(d.summary, 'tank has no snapshots to replicate');
  assert.deepEqual(d.detail, ['none of its 1 snapshot matches replication.snapshots "^z"']);
  assert.deepEqual(lines(p, 'tank/a')[1], 'send full tank/a@z1');
});

test('source without snapshots: an error on that dataset only; the others still plan', () => {
  const p = plan({ src: 'tank @s1:g1\ntank/empty\ntank/b @s1:g2', dst: 'backup\nbackup/tank @s1:g1' });
  const d = dsPlan(p, 'tank/empty');
  assert.deepEqual(d.actions, []);
  assert.deepEqual(d.diagnostics.map((x) => [x.severity, x.summary, x.detail, x.conflict]), [
    ['error', 'tank/empty has no snapshots to replicate', ['configure snapshotting for job j, or take a snapshot of tank/empty'], { type: 'source_has_no_snapshots' }],
  ]);
  assert.equal(lines(p, 'tank/b')[1], 'send full tank/b@s1');
});

test('root_fs that is a missing pool: a job error, no dataset replicates', () => {
  const p = plan({ src: 'tank @s1:g1', dst: '' });
  assert.deepEqual(p.jobs[0]!.diagnostics.map((d) => [d.severity, d.summary]), [['error', 'root_fs backup does not exist on local, and zform does not create pools']]);
  assert.deepEqual(lines(p, 'tank'), []);
});

test('filters: subtree, exclusion, exact re-inclusion; a configured path that does not exist is a job warning', () => {
  const p = plan({
    job: job({ filesystems: { 'tank<': true, 'tank/tmp<': false, 'tank/tmp/keep': true, 'tank/gone<': true } }),
    src: 'tank @s1:g1\ntank/a @s1:g2\ntank/tmp @s1:g3\ntank/tmp/x @s1:g4\ntank/tmp/keep @s1:g5\nother @s1',
    dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]\nbackup/tank/a @s1:g2[hold=zform_last_received_J_j]',
  });
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => d.source), ['tank', 'tank/a', 'tank/tmp', 'tank/tmp/keep']);
  assert.deepEqual(lines(p, 'tank/tmp'), ['placeholder backup/tank/tmp'], 'excluded, but the parent of a selected one');
  assert.deepEqual(dsPlan(p, 'tank/tmp').fingerprints.map((f) => f.dataset), ['backup/tank/tmp']);
  assert.equal(lines(p, 'tank/tmp/keep')[1], 'send full tank/tmp/keep@s1');
  assert.deepEqual(p.jobs[0]!.diagnostics.map((d) => d.summary), ['tank/gone (source.filesystems "tank/gone<") does not exist on local']);
});

test('a job never replicates its own target tree when both sides are one host', () => {
  const p = plan({ job: job({ filesystems: { '<': true } }), src: 'tank @s1:g1\nbackup\nbackup/tank @s1:g1', dst: 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(p.jobs[0]!.datasets.map((d) => d.source), ['tank']);
  assert.deepEqual(p.jobs[0]!.diagnostics.map((d) => d.summary), ['source.filesystems selects 2 dataset(s) under root_fs backup: skipped']);
  const other = plan({ job: job({ filesystems: { '<': true }, target: { host: 'nas' } }), src: 'tank @s1:g1\nbackup @s1:g9', dst: 'backup' });
  assert.deepEqual(other.jobs[0]!.datasets.map((d) => d.source), ['backup', 'tank'], 'another host: backup is an ordinary source');
});

test('encryption policy: send.encrypted needs an encrypted source; a decrypted send needs a loaded key', () => {
  const p = plan({ job: job({ send: { encrypted: true } }), src: 'tank @s1:g1\ntank/secret enc=aes-256-gcm @s1:g2', dst: 'backup\nbackup/tank @s1:g1' });
  assert.deepEqual(dsPlan(p, 'tank').diagnostics.map((d) => d.summary), ['send.encrypted is set, but tank is not encrypted']);
  assert.deepEqual(lines(p, 'tank'), []);
  assert.equal(actionsOf(p, 'tank/secret', 'send')[0]!.flags.raw, true);
  const q = plan({ src: 'tank/secret enc=aes-256-gcm key=unavailable @s1:g2', job: job({ filesystems: { 'tank/secret': true } }), dst: 'backup\nbackup/tank' });
  assert.deepEqual(dsPlan(q, 'tank/secret').diagnostics.map((d) => d.summary), ['cannot send tank/secret decrypted: its key is not loaded']);
});

test('send and receive options come from the config', () => {
  const p = plan({
    job: job({ send: { compressed: true, largeBlocks: true, embeddedData: true, properties: true, backupProperties: true, raw: true }, recv: { properties: { override: { readonly: 'on' }, inherit: ['mountpoint'] }, placeholder: { encryption: 'inherit' } } }),
    src: 'tank @s1:g1', dst: 'backup',
  });
  const [send] = actionsOf(p, 'tank', 'send');
  assert.deepEqual(send!.flags, { raw: true, properties: true, backupProperties: true, largeBlocks: true, compressed: true, embeddedData: true });
  assert.deepEqual(send!.receive, { resumable: true, force: false, override: { readonly: 'on' }, inherit: ['mountpoint'] });
});
