// Hooks and empty snapshots on real OpenZFS, locally and over SSH: a database-style pre_snapshot hook that fails
// (err_is_fatal: no snapshot, reported), one that hangs past its timeout (killed with the process it started), a
// dataset that stopped changing gets no new snapshot while its sibling does (skip_empty), and a post_replication hook
// that sees the outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { Zform, assertExit, readSnapshots, setupSshLogin, writeData } from './apply-helpers.js';

requireGuest(import.meta.url);

const S = 'zhksrc';
const T = 'zhkdst';
const DIR = '/tmp/zform-hooks';
const HANG_SLEEP = 313; // a sleep the hang hook starts in the background: it must be gone after the kill

function script(name: string, body: string): string {
  const file = `${DIR}/${name}`;
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The variables the notify hook saw (it writes `env` to a file). */
function notified(): Record<string, string> {
  const text = readFileSync(`${DIR}/notify.env`, 'utf8');
  const out: Record<string, string> = {};
  let key = '';
  for (const line of text.split('\n')) {
    // a value may span lines (ZFORM_DATASETS): a line that does not start a variable continues the last one
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) { key = m[1]!; out[key] = m[2]!; } else if (key && line !== '') out[key] += `\n${line}`;
  }
  return out;
}

const z = new Zform();
const started = Date.now();
/** Where the time goes in a slow guest (printed with the test output). */
const mark = (what: string) => process.stderr.write(`[hooks +${Math.round((Date.now() - started) / 1000)}s] ${what}\n`);
let src: Pool | undefined;
let dst: Pool | undefined;
let FAIL = '';
let OK = '';
let HANG = '';
let NOTIFY = '';

const config = (hosts: string, sourceHost: string, job: string, root: string, hook: string, timeout: string) => `${hosts}
jobs:
  - name: ${job}
    source: { host: ${sourceHost}, filesystems: { "${S}/db": true, "${S}/web": true, "${S}/quiet": true } }
    target: { host: local, root_fs: ${root} }
    snapshotting:
      prefix: zh_
      interval: 1s
      skip_empty: true
      hooks:
        - { type: command, path: ${hook}, timeout: ${timeout}, err_is_fatal: true, filesystems: { "${S}/db": true } }
    replication:
      hooks:
        - { type: command, path: ${NOTIFY} }
`;

before(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  FAIL = script('pg-checkpoint-fail', `touch ${DIR}/fail.ran\necho "psql: FATAL: the database system is in recovery mode" >&2\nexit 2`);
  OK = script('pg-checkpoint', `echo "CHECKPOINT $ZFORM_HOOK_PHASE $ZFORM_SNAPSHOT"`);
  HANG = script('pg-hang', `sleep ${HANG_SLEEP} &\nsleep ${HANG_SLEEP}`);
  NOTIFY = script('notify', `env > ${DIR}/notify.env`);
  src = await createPool(S, { mounted: true });
  dst = await createPool(T);
  await sh(`zfs create -o atime=off ${S}/db && zfs create -o atime=off ${S}/web && zfs create -o atime=off ${S}/quiet && zfs create ${T}/ssh`);
  await writeData([`${S}/db`, 256 * 1024], [`${S}/web`, 128 * 1024], [`${S}/quiet`, 64 * 1024]);
});

after(async () => {
  await src?.destroy();
  await dst?.destroy();
});

test('a failing pre_snapshot hook with err_is_fatal: no snapshot of its dataset, the run fails and says why; plan ran nothing', { timeout: 900_000 }, async () => {
  const cfg = z.config('fail.yml', config('', 'local', 'local', T, FAIL, '30s'));
  const p = await z.run(['plan', '-c', cfg]);
  assertExit(p, 0, 'plan');
  assert.match(p.stdout, new RegExp(`> hook pre_snapshot ${FAIL} on local \\(timeout 30s, err_is_fatal\\): ${S}/db`), p.stdout);
  assert.match(p.stdout, /# after replication\n.*hook post_replication .*notify on local \(timeout 30s\)/, p.stdout);
  assert.equal(existsSync(`${DIR}/fail.ran`), false, 'plan never runs a hook');

  mark('plan done');
  const r = await z.run(['apply', '-c', cfg, '--auto-approve']);
  mark('apply done');
  assertExit(r, 1, 'apply');
  assert.match(r.stdout, /pre_snapshot hook .*pg-checkpoint-fail on local failed \(exit 2: psql: FATAL: the database system is in recovery mode\): no snapshot of zhksrc\/db \(err_is_fatal\)/, r.stdout);
  assert.match(r.stderr, /hook output.*the database system is in recovery mode/, 'the hook\'s output is in the log');
  assert.deepEqual(await readSnapshots(`${S}/db`), []);
  assert.equal((await readSnapshots(`${S}/web`)).length, 1);
  assert.equal((await readSnapshots(`${T}/${S}/web`)).length, 1, 'the sibling replicated');
  const env = notified();
  assert.equal(env.ZFORM_OUTCOME, 'failed');
  assert.equal(env.ZFORM_HOOK_PHASE, 'post_replication');
  assert.match(env.ZFORM_DATASETS_FAILED!, new RegExp(`${S}/db`));
});

test('skip_empty: a dataset that stopped changing gets no new snapshot, its sibling does; the post_replication hook sees ok', { timeout: 900_000 }, async () => {
  const cfg = z.config('ok.yml', config('', 'local', 'local', T, OK, '30s'));
  await new Promise((r) => setTimeout(r, 1100)); // interval 1s: every dataset is due again
  await writeData([`${S}/web`, 96 * 1024]);
  // `written` counts what a transaction group has committed: without this, a write of the last seconds reads 0
  await sh(`zpool sync ${S}`);
  const plan = await z.plan(cfg);
  mark('plan --json done');
  const skipped = plan.jobs[0]!.skipped ?? [];
  assert.deepEqual(skipped.map((k) => k.dataset), [`${S}/quiet`], JSON.stringify(skipped));
  assert.match(skipped[0]!.reason, /^nothing was written since @zh_.* \(snapshotting\.skip_empty\)$/);
  const human = await z.run(['plan', '-c', cfg]);
  assert.match(human.stdout, new RegExp(`# job local: 1 dataset not snapshotted\\n  ${S}/quiet  \\(nothing was written since @zh_`), human.stdout);

  const r = await z.run(['apply', '-c', cfg, '--auto-approve', '--log-level', 'info']);
  mark('apply done');
  assertExit(r, 0, 'apply');
  assert.match(r.stderr, /hook output.*CHECKPOINT pre_snapshot zh_/, r.stderr);
  assert.equal((await readSnapshots(`${S}/db`)).length, 1, 'db: its first snapshot (never skipped without one)');
  assert.equal((await readSnapshots(`${S}/web`)).length, 2);
  assert.equal((await readSnapshots(`${S}/quiet`)).length, 1, 'quiet: no new snapshot');
  const env = notified();
  assert.equal(env.ZFORM_OUTCOME, 'ok');
  assert.ok(Number(env.ZFORM_BYTES) > 96 * 1024, env.ZFORM_BYTES);
  assert.deepEqual(env.ZFORM_DATASETS!.split('\n'), [`${S}/db`, `${S}/quiet`, `${S}/web`]);
  assert.equal(env.ZFORM_DATASETS_COUNT, '3');
  assert.equal(env.ZFORM_TRUNCATED, '', 'no list was cut');
});

test('over SSH: a pre_snapshot hook past its timeout is killed on the remote host, with what it started; no snapshot', { timeout: 900_000 }, async () => {
  const login = await setupSshLogin('zformhooks');
  const hosts = `hosts:\n  self:\n    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts}, connect_timeout: 120s }\n`;
  const cfg = z.config('hang.yml', config(hosts, 'self', 'remote', `${T}/ssh`, HANG, '2s'));
  await new Promise((r) => setTimeout(r, 1100));
  await writeData([`${S}/db`, 32 * 1024], [`${S}/web`, 32 * 1024]);
  await sh(`zpool sync ${S}`); // as above: otherwise skip_empty may read written=0 and plan no snapshot (CI saw it)
  const before = (await readSnapshots(`${S}/db`)).length;
  const human = await z.run(['plan', '-c', cfg]);
  assert.match(human.stdout, new RegExp(`> hook pre_snapshot ${HANG} on self \\(timeout 2s, err_is_fatal\\): ${S}/db`), human.stdout);
  const t0 = Date.now();
  const r = await z.run(['apply', '-c', cfg, '--auto-approve']);
  const took = Date.now() - t0;
  mark(`apply over SSH done in ${took} ms`);
  assertExit(r, 1, 'apply');
  assert.match(r.stdout, /pre_snapshot hook .*pg-hang on self failed \(timed out after 2s and was killed\)/, r.stdout);
  assert.ok(took < 240_000, `apply took ${took} ms`); // a 2 s timeout: well under the default 30 s per hook, even in a slow guest
  assert.equal((await readSnapshots(`${S}/db`)).length, before, 'no snapshot of the hook\'s dataset');
  assert.equal((await readSnapshots(`${T}/ssh/${S}/web`)).length, 1, 'the sibling was snapshotted over SSH and replicated');
  const left = await sh(`ps -eo args= | grep -x 'sleep ${HANG_SLEEP}' || true`);
  assert.equal(left.trim(), '', 'the hook and the process it started are gone (process group killed)');
});

test('over SSH: a hook in a folder others may write is not run on the remote host (checked as the login user); no snapshot', { timeout: 900_000 }, async () => {
  const login = await setupSshLogin('zformhooks');
  const hosts = `hosts:\n  self:\n    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts}, connect_timeout: 120s }\n`;
  mkdirSync(`${DIR}/shared`);
  chmodSync(`${DIR}/shared`, 0o777);
  const exposed = script('shared/pg-checkpoint', `touch ${DIR}/shared.ran`);
  const cfg = z.config('exposed.yml', config(hosts, 'self', 'remote', `${T}/ssh`, exposed, '30s'));
  await new Promise((r) => setTimeout(r, 1100));
  await writeData([`${S}/db`, 32 * 1024], [`${S}/web`, 32 * 1024]);
  await sh(`zpool sync ${S}`);
  const before = (await readSnapshots(`${S}/db`)).length;
  const r = await z.run(['apply', '-c', cfg, '--auto-approve']);
  mark('apply over SSH with an exposed hook done');
  assertExit(r, 1, 'apply');
  assert.match(r.stdout, new RegExp(`pre_snapshot hook ${exposed} on self failed \\(failed: not run: ${exposed} on self: its folder ${DIR}/shared is writable by others \\(mode 0777\\);`), r.stdout);
  assert.ok(!existsSync(`${DIR}/shared.ran`), 'the hook did not run');
  assert.equal((await readSnapshots(`${S}/db`)).length, before, 'no snapshot of the hook\'s dataset');
});
