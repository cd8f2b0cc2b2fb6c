// `zform apply PLANFILE` uses the config the plan was made from when -c and $ZFORM_CONFIG are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../../src/cli.js';
import { captureIo } from '../../support/terminal.js';
import { parseConfig } from '../../../src/config/parse.js';
import { writePlanFile } from '../../../src/planfile.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../../../src/plan/types.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const c = captureIo(env, () => new Date('2026-11-21T12:00:00Z'));
  return { value: c.io, out: c.out, err: c.err };
}

async function setup() {
  const d = await mkdtemp(path.join(tmpdir(), 'zform-pf-'));
  const cfgFile = path.join(d, 'zform.yml');
  const yaml = 'jobs:\n  - name: j\n    source: { host: local, filesystems: { "tank<": true } }\n    target: { host: local, root_fs: backup/tank }\n';
  await writeFile(cfgFile, yaml);
  const digest = parseConfig(yaml, cfgFile).digest;
  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION, zformVersion: 'test', createdAt: '2026-11-21T12:00:00.000Z', configFile: cfgFile,
    configDigest: digest, jobs: [{ job: 'j', sourceHost: 'local', targetHost: 'local', snapshots: [], datasets: [], diagnostics: [] }],
    summary: { snapshots: 0, sends: 0, sendBytes: 0, holds: 0, releases: 0, bookmarks: 0, destroys: 0, rollbacks: 0, placeholders: 0, aborts: 0, errors: 0, warnings: 0 },
  };
  const planFile = path.join(d, 'p.plan');
  await writePlanFile(planFile, plan);
  return { d, cfgFile, planFile };
}

test('apply PLANFILE without -c reads the config named in the plan, not /etc/zform/zform.yml', async () => {
  const { planFile, cfgFile } = await setup();
  const lock = await mkdtemp(path.join(tmpdir(), 'zform-lk-'));
  // The config is found and matches, so apply goes on to list ZFS, which this machine cannot do (no
  // kernel module, or no zfs at all): exit 1 from ZFS, where a missing /etc/zform/zform.yml would be 78.
  const t = io({ ZFORM_LOCK_DIR: lock });
  assert.equal(await run(['apply', planFile], t.value), 1);
  assert.doesNotMatch(t.err(), /config|stale/);
  assert.match(t.err(), /zfs/);
  // With the plan's config gone, the error names that file.
  const { unlink } = await import('node:fs/promises');
  await unlink(cfgFile);
  const t2 = io({ ZFORM_LOCK_DIR: lock });
  assert.equal(await run(['apply', planFile], t2.value), 78);
  assert.equal(t2.err(), `zform: cannot read config ${cfgFile}: no such file\n`);
});

test('apply PLANFILE with -c naming another config refuses the plan as stale', async () => {
  const { d, planFile, cfgFile } = await setup();
  const other = path.join(d, 'other.yml');
  await writeFile(other, (await readFile(cfgFile, 'utf8')) + '# edited\n');
  const t = io({ ZFORM_LOCK_DIR: await mkdtemp(path.join(tmpdir(), 'zform-lk-')) });
  const code = await run(['apply', '-c', other, planFile], t.value);
  assert.equal(code, 1);
  assert.equal(t.err(), `zform: saved plan is stale: the configuration ${other} changed since the plan was made; plan again\n`);
});
