// Resume tokens: resumed with `send -t` when they match what the source has, else aborted with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, actionsOf, dsPlan, job, lines, plan, token } from '../../support/dsl.js';
import type { DecodedResumeToken } from '../../../src/plan/input.js';

const J = job({ filesystems: { 'tank<': true } });
const SRC = 'tank @s1:g1 @s2:g2 @s3:g3';
const DST = 'backup\nbackup/tank @s1:g1[hold=zform_last_received_J_j] token=T1';
// a raw-received target (own encryption root; key loaded, as a decrypted receive into it needs)
const ENC_DST = 'backup\nbackup/tank enc=aes-256-gcm @s1:g1[hold=zform_last_received_J_j] token=T1';
const incremental = token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1'), bytes: 1000 });

test('a valid incremental token: send -t, then the normal incrementals from its snapshot', () => {
  const p = plan({ job: J, src: SRC, dst: DST, tokens: { T1: incremental } });
  assert.deepEqual(lines(p, 'tank'), [
    'hold step tank@s1,@s2',
    'send resume tank@s1 -> @s2',
    'hold last_received backup/tank@s2',
    'release last_received backup/tank@s1',
    'bookmark cursor tank@s2',
    'release step tank@s1,@s2',
    'hold step tank@s2,@s3',
    'send -i tank@s2 -> @s3',
    'hold last_received backup/tank@s3',
    'release last_received backup/tank@s2',
    'bookmark cursor tank@s3',
    'destroy tank#cursor(g2)',
    'release step tank@s2,@s3',
  ]);
  const [resume] = actionsOf(p, 'tank', 'send');
  assert.equal(resume!.mode, 'resume');
  assert.equal(resume!.token, 'T1');
  assert.equal(resume!.from!.guid, G('g1'));
  assert.equal(resume!.to.guid, G('g2'));
  assert.equal(resume!.estimatedBytes, 1024 * 1024 - 1000, 'the estimate less what was received');
  assert.equal(resume!.reason, 'resumes the interrupted receive of @s2 (receive_resume_token), 1000 B already received');
  assert.deepEqual(dsPlan(p, 'tank').diagnostics, []);
});

test('a valid token without a byte count has no size estimate', () => {
  const p = plan({ job: J, src: SRC, dst: DST, tokens: { T1: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1') }) } });
  assert.equal(actionsOf(p, 'tank', 'send')[0]!.estimatedBytes, null);
});

test('a valid full token (target has no snapshots yet): resume with the initial protection', () => {
  const p = plan({
    job: job({ filesystems: { tank: true }, replication: { protection: { initial: 'guarantee_resumability', incremental: 'guarantee_nothing' } } }),
    src: SRC, dst: 'backup\nbackup/tank token=T1', tokens: { T1: token({ toname: 'tank@s3', toguid: G('g3') }) },
  });
  assert.deepEqual(lines(p, 'tank'), ['hold step tank@s3', 'send resume tank@s3', 'hold last_received backup/tank@s3', 'bookmark cursor tank@s3', 'release step tank@s3']);
  assert.equal(actionsOf(p, 'tank', 'send')[0]!.protection, 'guarantee_resumability');
});

test('a valid full token into a placeholder keeps receive -F', () => {
  const p = plan({ job: J, src: 'tank @s1:g1', dst: 'backup\nbackup/tank placeholder token=T1', tokens: { T1: token({ toname: 'tank@s1', toguid: G('g1') }) } });
  assert.equal(lines(p, 'tank')[1], 'send resume tank@s1 -F');
});

const invalid: [string, { dst?: string; src?: string; tok: DecodedResumeToken | undefined; job?: ReturnType<typeof job> }, string][] = [
  ['toguid gone', { src: 'tank @s1:g1 @s3:g3', tok: incremental }, `the resume token's snapshot tank@s2 (toguid ${G('g2')}) no longer exists on the source`],
  ['other dataset', { tok: token({ toname: 'tank/other@s2', toguid: G('g2'), fromguid: G('g1') }) }, 'the resume token is for tank/other@s2, not for a snapshot of tank'],
  ['fromguid gone', { tok: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g5') }) }, `the resume token's incremental source (fromguid ${G('g5')}) no longer exists on the source`],
  ['fromguid not the target\'s newest', { src: 'tank @s0:g0 @s1:g1 @s2:g2 @s3:g3', dst: 'backup\nbackup/tank @s0:g0 @s1:g1 token=T1', tok: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g0') }) },
    `the resume token's incremental source @s0 (fromguid ${G('g0')}) is not the target's newest snapshot (@s1 (guid ${G('g1')}))`],
  ['raw token, decrypted job', { src: 'tank enc=aes-256-gcm @s1:g1 @s2:g2 @s3:g3', dst: ENC_DST, tok: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1'), rawok: true }) },
    'the resume token is for a raw (encrypted) send, but the job sends decrypted (send.encrypted and send.raw are off)'],
  ['decrypted token, raw job', { src: 'tank enc=aes-256-gcm @s1:g1 @s2:g2 @s3:g3', dst: ENC_DST, tok: incremental, job: job({ filesystems: { 'tank<': true }, send: { encrypted: true } }) },
    'the resume token is for a decrypted send, but the job sends raw (send.encrypted or send.raw)'],
  ['undecodable', { tok: { error: 'resume token is corrupt' } }, 'the resume token cannot be decoded: resume token is corrupt'],
  ['not decoded', { tok: undefined }, 'the resume token was not decoded'],
  ['snapshot no longer replicable', { tok: incremental, job: job({ filesystems: { 'tank<': true }, replication: { snapshots: '^s[13]$' } }) }, "the resume token's snapshot @s2 does not match replication.snapshots"],
];
for (const [name, s, reason] of invalid) {
  test(`an unusable token is aborted with the reason, then the normal path: ${name}`, () => {
    const p = plan({ job: s.job ?? J, src: s.src ?? SRC, dst: s.dst ?? DST, tokens: s.tok ? { T1: s.tok } : {} });
    const l = lines(p, 'tank');
    assert.equal(l[0], `abort backup/tank: ${reason}`);
    assert.ok(l.slice(1).some((x) => x.startsWith('send -')), `then an incremental: ${l.join(' | ')}`);
    assert.ok(!l.some((x) => x.startsWith('send resume')));
    const d = dsPlan(p, 'tank').diagnostics;
    assert.deepEqual(d.map((x) => [x.severity, x.summary, x.conflict]), [
      ['warning', `interrupted receive on backup/tank cannot be resumed: ${reason}`, { type: 'resume_token_unusable', reason }],
    ]);
  });
}

test('raw token and raw job on an encrypted source: valid; on an unencrypted source raw-ness does not matter', () => {
  const enc = plan({ job: job({ filesystems: { 'tank<': true }, send: { encrypted: true } }), src: 'tank enc=aes-256-gcm @s1:g1 @s2:g2', dst: ENC_DST, tokens: { T1: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1'), rawok: true }) } });
  assert.equal(lines(enc, 'tank')[1], 'send resume tank@s1 -> @s2');
  const plain = plan({ job: J, src: SRC, dst: DST, tokens: { T1: token({ toname: 'tank@s2', toguid: G('g2'), fromguid: G('g1'), rawok: true }) } });
  assert.equal(lines(plain, 'tank')[1], 'send resume tank@s1 -> @s2');
});

test('aborting a partial full receive removes the dataset: the plan then sends it full again', () => {
  const p = plan({ job: J, src: 'tank @s1:g1 @s3:g3', dst: 'backup\nbackup/tank token=T1', tokens: { T1: token({ toname: 'tank@s2', toguid: G('g2') }) } });
  assert.deepEqual(lines(p, 'tank').slice(0, 3), [
    `abort backup/tank: the resume token's snapshot tank@s2 (toguid ${G('g2')}) no longer exists on the source`,
    'hold step tank@s3',
    'send full tank@s3',
  ]);
  assert.deepEqual(dsPlan(p, 'tank').diagnostics[0]!.detail, ['planned: zfs receive -A backup/tank, which removes the partially received dataset, then replication as if it had not started']);
});

test('a token on a target that also diverged: no abort without a rollback; the note says why', () => {
  const p = plan({ job: J, src: SRC, dst: 'backup\nbackup/tank @s1:g1 @x:g9 token=T1', tokens: { T1: incremental } });
  assert.deepEqual(lines(p, 'tank'), []);
  const d = dsPlan(p, 'tank').diagnostics;
  assert.deepEqual(d.map((x) => [x.severity, x.conflict?.type]), [['warning', 'resume_token_unusable'], ['error', 'diverged']]);
  assert.deepEqual(d[0]!.detail, ['left as it is, because the dataset cannot proceed (see the error)']);
});

test('a valid token on a modified target is aborted, rolled back and re-sent when a rollback is allowed', () => {
  const dst = 'backup\nbackup/tank written=1K @s1:g1[hold=zform_last_received_J_j] token=T1';
  const p = plan({ job: J, src: SRC, dst, tokens: { T1: incremental }, allowRollback: true });
  assert.deepEqual(lines(p, 'tank').slice(0, 4), [
    'abort backup/tank: the target was modified since its newest snapshot @s1',
    'rollback backup/tank@s1',
    'hold step tank@s1,@s2,@s3',
    'send -I tank@s1 -> @s3 [s2,s3]',
  ]);
  const q = plan({ job: J, src: SRC, dst, tokens: { T1: incremental } });
  assert.deepEqual(lines(q, 'tank'), []);
});

test('a stale token on an otherwise up-to-date dataset is aborted', () => {
  const p = plan({ job: J, src: `tank @s1:g1 #zform_CURSOR_G_${BigInt(G('g1')).toString(16)}_J_j:g1`, dst: DST, tokens: { T1: incremental } });
  assert.deepEqual(lines(p, 'tank'), [`abort backup/tank: the resume token's snapshot tank@s2 (toguid ${G('g2')}) no longer exists on the source`]);
  assert.equal(p.summary.aborts, 1);
});
