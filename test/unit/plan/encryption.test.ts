// Targets whose encryption makes the planned receive impossible: refused in the plan with the reason, not at apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, dsPlan, job, lines, plan, token } from '../../support/dsl.js';

const RAW = job({ filesystems: { 'tank/secret': true }, send: { encrypted: true } });
const DECRYPTED = job({ filesystems: { 'tank/secret': true } });
const SECRET = 'tank/secret enc=aes-256-gcm @s1:g1 @s2:g2';

function errors(p: ReturnType<typeof plan>, ds: string): string[] {
  return dsPlan(p, ds).diagnostics.map((d) => `${d.severity}: ${d.summary} | ${d.detail.join(' | ')}`);
}

test('a raw send onto a target that was received decrypted: refused, nothing planned', () => {
  const p = plan({ job: RAW, src: SECRET, dst: 'backup\nbackup/tank\nbackup/tank/secret @s1:g1[hold=zform_last_received_J_j]' });
  assert.deepEqual(lines(p, 'tank/secret'), []);
  assert.deepEqual(errors(p, 'tank/secret'), [
    'error: cannot send tank/secret raw to backup/tank/secret: backup/tank/secret is not encrypted'
    + ' | backup/tank/secret was received decrypted, and zfs receive refuses a raw (-w) stream on top of an unencrypted dataset'
    + ' | turn send.encrypted and send.raw off for job j, or rename or destroy backup/tank/secret so that it is received raw from scratch',
  ]);
  assert.equal(p.summary.errors, 1);
});

test('raw onto an encrypted target (received raw, key not loaded) is fine; so is an up-to-date unencrypted one (no send)', () => {
  const ok = plan({ job: RAW, src: SECRET, dst: 'backup\nbackup/tank\nbackup/tank/secret enc=aes-256-gcm key=unavailable @s1:g1' });
  assert.deepEqual(lines(ok, 'tank/secret').filter((l) => l.startsWith('send')), ['send -i tank/secret@s1 -> @s2']);
  assert.deepEqual(dsPlan(ok, 'tank/secret').diagnostics, []);
  const upToDate = plan({ job: RAW, src: SECRET, dst: 'backup\nbackup/tank\nbackup/tank/secret @s1:g1 @s2:g2' });
  assert.deepEqual(dsPlan(upToDate, 'tank/secret').diagnostics, [], 'no stream, no problem: only the tidy lines');
  assert.ok(lines(upToDate, 'tank/secret').length > 0);
});

test('a decrypted send into an encrypted target whose key is not loaded: refused, naming the encryption root', () => {
  const p = plan({ job: DECRYPTED, src: SECRET, dst: 'backup\nbackup/tank\nbackup/tank/secret enc=aes-256-gcm key=unavailable @s1:g1' });
  assert.deepEqual(lines(p, 'tank/secret'), []);
  assert.deepEqual(errors(p, 'tank/secret'), [
    'error: cannot receive a decrypted stream into backup/tank/secret: its key is not loaded'
    + ' | backup/tank/secret is encrypted (encryption root backup/tank/secret), and zfs receive needs its key for a decrypted (non-raw) stream'
    + ' | load the key on local (zfs load-key backup/tank/secret), or send raw with send.encrypted',
  ]);
  const plainSource = plan({ job: job({ filesystems: { 'tank/a': true }, target: { host: 'nas' } }), src: 'tank/a @s1:g1 @s2:g2', dst: 'backup\nbackup/tank\nbackup/tank/a enc=aes-256-gcm key=unavailable @s1:g1' });
  assert.deepEqual(dsPlan(plainSource, 'tank/a').diagnostics.map((d) => d.detail[1]), ['load the key on nas (zfs load-key backup/tank/a)'], 'an unencrypted source cannot be sent raw');
  const loaded = plan({ job: DECRYPTED, src: SECRET, dst: 'backup\nbackup/tank\nbackup/tank/secret enc=aes-256-gcm key=available @s1:g1' });
  assert.deepEqual(dsPlan(loaded, 'tank/secret').diagnostics, [], 'with the key loaded the receive works');
});

test('a valid decrypted resume into a target whose key was unloaded since: refused too', () => {
  const p = plan({
    job: DECRYPTED, src: 'tank/secret enc=aes-256-gcm @s1:g1 @s2:g2',
    dst: 'backup\nbackup/tank\nbackup/tank/secret enc=aes-256-gcm key=unavailable token=T1 @s1:g1',
    tokens: { T1: token({ toname: 'tank/secret@s2', toguid: G('g2'), fromguid: G('g1') }) },
  });
  assert.deepEqual(lines(p, 'tank/secret'), []);
  assert.match(errors(p, 'tank/secret')[0]!, /^error: cannot receive a decrypted stream into backup\/tank\/secret: its key is not loaded/);
});

test('an empty placeholder is replaced (-F) only when neither it nor the stream is encrypted', () => {
  const dst = 'backup\nbackup/tank\nbackup/tank/secret placeholder\nbackup/tank/secret/inner @s1:g5';
  const raw = plan({ job: RAW, src: SECRET, dst });
  assert.deepEqual(lines(raw, 'tank/secret'), []);
  assert.deepEqual(errors(raw, 'tank/secret'), [
    'error: cannot replace placeholder backup/tank/secret with tank/secret\'s raw encrypted stream'
    + ' | zfs receive -F cannot overwrite an unencrypted dataset with an encrypted one; backup/tank/secret exists only as the parent of datasets replicated before tank/secret was selected'
    + ' | send tank/secret decrypted (send.encrypted and send.raw off), or rename the datasets below backup/tank/secret away and destroy it, then plan again',
  ]);
  const decrypted = plan({ job: DECRYPTED, src: SECRET, dst });
  assert.deepEqual(lines(decrypted, 'tank/secret').filter((l) => l.startsWith('send')), ['send full tank/secret@s2 -F']);
  const encPlaceholder = plan({ job: DECRYPTED, src: SECRET, dst: 'backup enc=aes-256-gcm\nbackup/tank\nbackup/tank/secret placeholder enc=aes-256-gcm' });
  assert.deepEqual(errors(encPlaceholder, 'tank/secret').map((e) => e.split(' | ')[0]), ['error: cannot replace placeholder backup/tank/secret: it is encrypted']);
});

test('a raw send of an unencrypted source is an ordinary stream: any target takes it', () => {
  const p = plan({ job: job({ filesystems: { 'tank/a': true }, send: { raw: true } }), src: 'tank/a @s1:g1 @s2:g2', dst: 'backup\nbackup/tank\nbackup/tank/a @s1:g1' });
  assert.deepEqual(dsPlan(p, 'tank/a').diagnostics, []);
  assert.deepEqual(lines(p, 'tank/a').filter((l) => l.startsWith('send')), ['send -i tank/a@s1 -> @s2']);
});
