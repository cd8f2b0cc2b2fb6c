// Source datasets that go away, move or come back on real OpenZFS, as a user runs zform, locally and over SSH (the
// guest's own sshd): one destroyed (warned and kept; with replication.destroy_missing past its age, destroyed as the
// plan named it), one renamed (a warning; with replication.follow_renames, zfs rename of the target, then the
// incrementals go on), one recreated under its old name (a conflict naming both GUIDs; the old target is untouched).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { Zform, assertExit, setupSshLogin, writeData } from './apply-helpers.js';
import type { Action, DatasetPlan, Plan } from '../../src/plan/types.js';

requireGuest(import.meta.url);

const guid = async (name: string): Promise<string> => (await sh(`zfs get -H -p -o value guid ${name}`)).trim();
const exists = async (name: string): Promise<boolean> => (await sh(`zfs list -H -o name ${name} 2>/dev/null || true`)).trim() === name;

function scenario(ssh: boolean): void {
  const S = ssh ? 'zmrs' : 'zmls';
  const D = ssh ? 'zmrt' : 'zmlt';
  const host = ssh ? 'nas' : 'local';
  const z = new Zform();
  const R = `${D}/backup`;
  const t = (ds: string) => `${R}/${ds}`;
  let src: Pool;
  let dst: Pool;
  let hosts = '';
  const cfg = (replication: string) => z.config(`zform-${replication.length}.yml`, `${hosts}jobs:
  - name: mj
    source: { host: local, filesystems: { "${S}/a<": true } }
    target: { host: ${host}, root_fs: ${R} }
${replication}`);
  const plan = async (file: string): Promise<{ code: number | null; plan: Plan; human: string }> => {
    const j = await z.run(['plan', '-c', file, '--json']);
    const h = await z.run(['plan', '-c', file]);
    return { code: j.code, plan: JSON.parse(j.stdout) as Plan, human: h.stdout };
  };
  const ds = (p: Plan, source: string): DatasetPlan => p.jobs[0]!.datasets.find((d) => d.source === source)!;

  before(async () => {
    src = await createPool(S, { mounted: true });
    dst = await createPool(D);
    await sh(`zfs create ${R}`);
    if (ssh) {
      const login = await setupSshLogin('zformmissing');
      hosts = `hosts:\n  nas:\n    ssh: { host: 127.0.0.1, port: 22, user: ${login.user}, identity_file: ${login.identityFile}, known_hosts: ${login.knownHosts} }\n`;
    }
    await sh(`zfs create ${S}/a && zfs create ${S}/a/gone && zfs create ${S}/a/old && zfs create ${S}/a/re`);
    await writeData([`${S}/a/old`, 200_000], [`${S}/a/re`, 50_000]);
    await sh(`zfs snapshot -r ${S}/a@s1`);
    assertExit(await z.run(['apply', '-c', cfg(''), '--auto-approve']), 0, 'the first apply');
    assert.equal(await guid(`${t(S)}/a/old@s1`), await guid(`${S}/a/old@s1`));
  });

  after(async () => {
    await src?.destroy();
    await dst?.destroy();
  });

  test('destroyed, renamed and recreated on the source: warned, a rename warning, a conflict with both GUIDs', async () => {
    const oldRe = await guid(`${t(S)}/a/re@s1`);
    await sh(`zfs destroy -r ${S}/a/gone && zfs rename ${S}/a/old ${S}/a/new && zfs snapshot ${S}/a/new@s2`);
    await sh(`zfs destroy -r ${S}/a/re && zfs create ${S}/a/re && zfs snapshot ${S}/a/re@n1`);
    const { code, plan: p, human } = await plan(cfg(''));
    assert.equal(code, 0, 'plan itself succeeds; the conflict is in the plan (apply exits 1)');
    const gone = ds(p, `${S}/a/gone`);
    assert.deepEqual(gone.actions, []);
    assert.equal(gone.diagnostics[0]!.conflict?.type, 'source_missing');
    assert.match(human, new RegExp(`Warning: source gone: ${S}/a/gone no longer exists on local; ${ssh ? 'nas:' : ''}${t(S)}/a/gone and its 1 snapshot are kept`));
    const renamed = ds(p, `${S}/a/new`);
    assert.equal(renamed.diagnostics[0]!.summary, `${S}/a/new looks like ${S}/a/old renamed: its snapshots are those of ${t(S)}/a/old (same GUIDs)`);
    const re = ds(p, `${S}/a/re`).diagnostics[0]!;
    assert.equal(re.severity, 'error');
    assert.equal(re.conflict?.type, 'recreated');
    if (re.conflict?.type === 'recreated') {
      assert.equal(re.conflict.targetNewest.guid, oldRe);
      assert.equal(re.conflict.sourceNewest.guid, await guid(`${S}/a/re@n1`));
    }
    assert.match(human, new RegExp(`newest on the target: ${ssh ? 'nas:' : ''}${t(S)}/a/re@s1 \\(guid ${oldRe},`));
  });

  test('with destroy_missing past its age and follow_renames: destroyed as named, renamed, then incrementals go on', async () => {
    await new Promise((r) => setTimeout(r, 2100)); // the newest target snapshot is older than destroy_missing: 1s
    const file = cfg('    replication: { destroy_missing: 1s, follow_renames: true }\n');
    const oldS1 = await guid(`${t(S)}/a/old@s1`);
    const oldRe = await guid(`${t(S)}/a/re@s1`);
    const { plan: p, human } = await plan(file);
    const destroy = ds(p, `${S}/a/gone`).actions.find((a): a is Extract<Action, { kind: 'destroy_dataset' }> => a.kind === 'destroy_dataset')!;
    assert.deepEqual(destroy.destroys.map((r) => `${r.dataset}@${r.name} ${r.guid}`), [`${t(S)}/a/gone@s1 ${await guid(`${t(S)}/a/gone@s1`)}`]);
    assert.match(human, new RegExp(`- destroy dataset ${ssh ? 'nas:' : ''}${t(S)}/a/gone, with 1 snapshot/bookmark:`));
    assert.equal(ds(p, `${S}/a/new`).actions[0]!.kind, 'rename_dataset');
    const r = await z.run(['apply', '-c', file, '--auto-approve']);
    assertExit(r, 1, 'apply (the recreated dataset stays a conflict)');
    assert.equal(await exists(`${t(S)}/a/gone`), false);
    assert.equal(await exists(`${t(S)}/a/old`), false);
    assert.equal(await guid(`${t(S)}/a/new@s1`), oldS1, 'renamed, not sent again');
    assert.equal(await guid(`${t(S)}/a/new@s2`), await guid(`${S}/a/new@s2`));
    assert.equal(await guid(`${t(S)}/a/re@s1`), oldRe, 'the recreated dataset\'s old target is untouched');
    await sh(`zfs snapshot ${S}/a/new@s3`);
    const next = await plan(file);
    const send = ds(next.plan, `${S}/a/new`).actions.find((a): a is Extract<Action, { kind: 'send' }> => a.kind === 'send')!;
    assert.deepEqual([send.mode, send.from?.name, send.to.name], ['incremental', 's2', 's3']);
    assertExit(await z.run(['apply', '-c', file, '--auto-approve']), 1, 'apply again');
    assert.equal(await guid(`${t(S)}/a/new@s3`), await guid(`${S}/a/new@s3`));
  });
}

describe('local', () => scenario(false));
describe('over SSH', () => scenario(true));
