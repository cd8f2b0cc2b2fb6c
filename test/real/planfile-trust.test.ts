// `zform apply PLANFILE` on real OpenZFS against plan files edited as an attacker would (issue #14): each is refused
// with its exit code and one line, ZFS is unchanged, and the zfs commands that ran (logged by the config's privilege
// wrapper) are none, or only listings; a plan naming another config never runs that config's privilege command.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { Running, Zform, assertExit, type RunResult } from './apply-helpers.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Action, Plan } from '../../src/plan/types.js';

requireGuest(import.meta.url);

const pools: Pool[] = [];
after(async () => { for (const p of pools) await p.destroy().catch(() => undefined); });

interface Case {
  name: string;
  /** edits the plan value, or returns the file's new text */
  edit: (p: Plan, text: string) => void | string;
  code: number;
  message: RegExp;
  /** refused before any zfs command (else only listings may run) */
  noZfs: boolean;
  env?: NodeJS.ProcessEnv;
  withoutConfigOption?: boolean;
}

test('edited saved plans are refused on real OpenZFS and change nothing; the untouched one runs', { timeout: 900_000 }, async () => {
  pools.push(await createPool('zptsrc'), await createPool('zptdst'));
  await sh('zfs create zptsrc/a && zfs create zptsrc/other && zfs snapshot zptsrc/a@s1 zptsrc/other@keep');
  const z = new Zform();
  const log = z.file('zfs.log');
  const wrapper = z.file('logzfs');
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> ${log}\nexec "$@"\n`, { mode: 0o755 });
  const yaml = (privilege: string) => `hosts:\n  local: { privilege: ${privilege} }\njobs:\n  - name: j\n    source: { host: local, filesystems: { "zptsrc/a": true } }\n    target: { host: local, root_fs: zptdst }\n`;
  const cfg = z.config('zform.yml', yaml(wrapper));
  assertExit(await z.run(['apply', '-c', cfg, '--auto-approve']), 0, 'initial replication');
  await sh('zfs snapshot zptsrc/a@s2');
  const file = z.file('p.plan');
  await z.plan(cfg, file);
  const text = readFileSync(file, 'utf8');

  const marker = z.file('owned');
  const evilScript = z.file('evil');
  writeFileSync(evilScript, `#!/bin/sh\ntouch ${marker}\nexec "$@"\n`, { mode: 0o755 });
  const evilYaml = yaml(evilScript);
  const evil = z.config('evil.yml', evilYaml);
  const keep = { dataset: 'zptsrc/other', kind: 'snapshot' as const, name: 'keep', guid: (await sh('zfs get -H -p -o value guid zptsrc/other@keep')).trim(), createtxg: 1 };
  const datasetA = (p: Plan) => p.jobs[0]!.datasets.find((d) => d.source === 'zptsrc/a')!;
  const sendOf = (p: Plan) => datasetA(p).actions.find((a) => a.kind === 'send') as Extract<Action, { kind: 'send' }>;

  // Refusals before any zfs command that need no real ZFS (an unknown host, a job twice, a truncated file) are in
  // test/unit/apply/planfile-trust.test.ts; the swapped config stays here: its privilege program must never run.
  const cases: Case[] = [
    { name: 'destroy outside the job', code: 1, noZfs: false, message: /^zform: saved plan refused: job j, dataset zptsrc\/a: action j:99 \(destroy_snapshots\) is not planned now \(the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds\); plan again$/m,
      edit: (p) => { datasetA(p).actions.push({ id: 'j:99', host: 'local', side: 'source', kind: 'destroy_snapshots', dataset: 'zptsrc/other', snapshots: [{ ref: keep, reason: 'x' }] }); } },
    { name: 'rollback outside the job', code: 1, noZfs: false, message: /^zform: saved plan refused: job j, dataset zptsrc\/a, action j:0 \(rollback\): /,
      edit: (p) => { datasetA(p).actions.unshift({ id: 'j:0', host: 'local', side: 'source', kind: 'rollback', dataset: 'zptsrc/other', to: keep, destroys: [], reason: 'x' }); } },
    { name: '-F added', code: 1, noZfs: false, message: /\(send\): receive\.force: true in the file, false now \(the file was edited, or ZFS changed since in what the fingerprints do not cover: data written, holds\); plan again$/m, edit: (p) => { sendOf(p).receive.force = true; } },
    { name: 'send retargeted', code: 1, noZfs: false, message: /\(send\): targetDataset: "zptdst\/evil" in the file, "zptdst\/zptsrc\/a" now/, edit: (p) => { sendOf(p).targetDataset = 'zptdst/evil'; } },
    { name: 'receive override', code: 1, noZfs: false, message: /\(send\): receive\.override\.mountpoint: "\/etc" in the file, absent now/, edit: (p) => { sendOf(p).receive.override = { mountpoint: '/etc' }; } },
    { name: 'fingerprints removed', code: 1, noZfs: false, message: /: fingerprints\[0\]: absent in the file/, edit: (p) => { for (const d of p.jobs[0]!.datasets) d.fingerprints = []; } },
    { name: 'config swapped', code: 1, noZfs: true, withoutConfigOption: true, env: { ZFORM_CONFIG: cfg },
      message: new RegExp(`^zform: saved plan is stale: it was made from the configuration "${evil}", and ${cfg} differs from it`),
      edit: (p) => { p.configFile = evil; p.configDigest = parseConfig(evilYaml, evil).digest; } },
  ];

  const state = () => sh('zfs list -H -p -r -t all -o name,guid,userrefs zptsrc zptdst');
  const logged = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  const before = await state();
  for (const c of cases) {
    const plan = JSON.parse(text) as Plan;
    const edited = c.edit(plan, text);
    const f = z.file(`${c.name.replaceAll(' ', '-')}.plan`);
    writeFileSync(f, typeof edited === 'string' ? edited : JSON.stringify(plan, null, 2));
    const mark = logged().length;
    const args = c.withoutConfigOption ? ['apply', f] : ['apply', '-c', cfg, f];
    const r: RunResult = await new Running(args, { ...z.env, ...c.env }).done;
    assertExit(r, c.code, c.name);
    assert.match(r.stderr, c.message, c.name);
    // one line (a usage error adds the --help hint)
    assert.equal(r.stderr.trimEnd().split('\n').filter((l) => l !== "Run 'zform --help' for usage.").length, 1, `${c.name}: one line\n${r.stderr}`);
    const ran = logged().slice(mark);
    if (c.noZfs) assert.deepEqual(ran, [], c.name);
    else assert.ok(ran.length > 0 && ran.every((l) => /^zfs (list|get|holds) /.test(l)), `${c.name}: only listings\n${ran.join('\n')}`);
    assert.equal(await state(), before, `${c.name}: nothing changed`);
  }
  assert.equal(existsSync(marker), false, 'the config named in the plan never ran');

  // the untouched plan, applied after all that: planned again, identical, run
  assertExit(await z.run(['apply', '-c', cfg, file]), 0, 'apply of the untouched plan');
  assert.equal((await sh('zfs get -H -p -o value guid zptdst/zptsrc/a@s2')).trim(), (await sh('zfs get -H -p -o value guid zptsrc/a@s2')).trim());
  await z.assertNoChanges(cfg);
});
