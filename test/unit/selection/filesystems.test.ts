// zform test filesystems: which datasets a job selects on its (fake) source host and why; the same decisions
// as the plan; --all and --input; a host that cannot be listed; the JSON schema; the human view; the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../support/terminal.js';
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts, type HostPool } from '../../../src/hosts.js';
import { computeJobFilesystems, readFilesystemsReport, type FilesystemsReport } from '../../../src/selection/report.js';
import { renderFilesystemsHuman, renderFilesystemsJson } from '../../../src/views/filesystems.js';
import { readInventories } from '../../../src/plan/read.js';
import { computePlan } from '../../../src/plan/compute.js';
import { ZformError } from '../../../src/errors.js';
import type { ZfsHost } from '../../../src/zfs/types.js';

const SCHEMA = new URL('../../../../schemas/filesystems.schema.json', import.meta.url);
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
type Validator = ((v: unknown) => boolean) & { errors?: unknown };
const validate: Validator = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ strict: true, allErrors: true })
  .compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);

const YAML = `
hosts:
  nas: { ssh: { host: nas.example.org, known_hosts: /dev/null } }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/data<": true, "tank/data/tmp<": false, "tank/data/tmp/keep": true, "tank/vm": true } }
    target: { host: nas, root_fs: backup }
  - name: self
    source: { host: local, filesystems: { "tank<": true, "tank/backup<": false } }
    target: { host: local, root_fs: tank/backup }
`;
const config = parseConfig(YAML, 'zform.yml');
const src = () => new FakeHost('local').apply('pool tank', 'pool rpool', 'create tank/data', 'create tank/data/a', 'create tank/data/tmp',
  'create tank/data/tmp/keep', 'create tank/data/tmp/x', 'create tank/vm', 'create tank/vm/disk0', 'create tank/other', 'create tank/backup', 'create rpool/ROOT');
const pool = (local: ZfsHost = src()): HostPool => staticHosts({ local, nas: new FakeHost('nas').apply('pool backup') });

async function report(jobs: string[], opts: { all?: boolean; input?: string[] } = {}, hosts = pool()): Promise<FilesystemsReport> {
  const r = await readFilesystemsReport(config, jobs, hosts, { all: opts.all ?? false, input: opts.input });
  assert.ok(validate(JSON.parse(renderFilesystemsJson(r))), JSON.stringify(validate.errors));
  return r;
}
const decisions = (r: FilesystemsReport, job: string) => Object.fromEntries(r.jobs.find((j) => j.job === job)!.datasets.map((d) => [d.dataset, [d.selected, d.pattern]]));

test('default: the datasets under the filter\'s roots (what plan lists), each with the pattern that decided', async () => {
  const r = await report(['j']);
  assert.deepEqual(r.jobs[0]!.listedRoots, ['tank/data', 'tank/vm']);
  assert.equal(r.jobs[0]!.scope, 'roots');
  assert.deepEqual(decisions(r, 'j'), {
    'tank/data': [true, 'tank/data<'],
    'tank/data/a': [true, 'tank/data<'],
    'tank/data/tmp': [false, 'tank/data/tmp<'],
    'tank/data/tmp/keep': [true, 'tank/data/tmp/keep'],
    'tank/data/tmp/x': [false, 'tank/data/tmp<'],
    'tank/vm': [true, 'tank/vm'],
    'tank/vm/disk0': [false, null],
  });
});

test('the selected datasets are exactly those the plan works on', async () => {
  const hosts = pool();
  const r = await report(['j', 'self'], {}, hosts);
  const { inventories, resumeTokens } = await readInventories(config, ['j', 'self'], (n) => hosts.get(n));
  const plan = computePlan({ config, jobs: ['j', 'self'], inventories, resumeTokens, now: new Date('2026-11-21T12:00:00Z'), zformVersion: 'test', allowRollback: false });
  for (const job of ['j', 'self']) {
    const selected = r.jobs.find((j) => j.job === job)!.datasets.filter((d) => d.selected).map((d) => d.dataset);
    const planned = plan.jobs.find((j) => j.job === job)!.datasets.filter((d) => d.target !== `${job === 'self' ? 'tank/backup' : 'backup'}` && !d.actions.some((a) => a.kind === 'create_placeholder')).map((d) => d.source);
    assert.deepEqual(selected, planned.filter((s) => s !== ''), job);
  }
});

test('an accepting pattern that covers no dataset is reported (a typo), in JSON and in the human view', async () => {
  const typo = parseConfig(YAML.replace('"tank/vm": true', '"tank/vm": true, "tank/dta<": true'), 'zform.yml');
  const r = await readFilesystemsReport(typo, ['j'], pool(), { all: false });
  assert.deepEqual(r.jobs[0]!.unmatchedPatterns, ['tank/dta<']);
  assert.ok(validate(JSON.parse(renderFilesystemsJson(r))), JSON.stringify(validate.errors));
  assert.match(renderFilesystemsHuman(r, { color: false }), /^ {2}! "tank\/dta<": true covers no dataset on local$/m);
  assert.deepEqual((await report(['j'])).jobs[0]!.unmatchedPatterns, []);
  assert.deepEqual((await report(['j'], { input: ['tank/x'] })).jobs[0]!.unmatchedPatterns, [], 'nothing is listed with --input');
});

test('--all lists every pool, so datasets no pattern covers show up; --input tests names without listing', async () => {
  const all = await report(['j'], { all: true });
  assert.equal(all.jobs[0]!.scope, 'all');
  assert.deepEqual(all.jobs[0]!.listedRoots, []);
  assert.deepEqual(decisions(all, 'j')['rpool/ROOT'], [false, null]);
  assert.deepEqual(decisions(all, 'j')['tank/other'], [false, null]);
  let listed = 0;
  const counting = src();
  const orig = counting.list.bind(counting);
  counting.list = (roots) => { listed++; return orig(roots); };
  const input = await report(['j'], { input: ['tank/data/new', 'tank/data/tmp/y', 'tank/data/new'] }, pool(counting));
  assert.equal(listed, 0, 'no listing with --input');
  assert.deepEqual(decisions(input, 'j'), { 'tank/data/new': [true, 'tank/data<'], 'tank/data/tmp/y': [false, 'tank/data/tmp<'] });
  assert.equal(input.jobs[0]!.listedRoots, null);
});

test('a job whose filter would reach its own root_fs on the same host never selects it (own_target)', async () => {
  const r = await report(['self'], { input: ['tank/a', 'tank/backup/tank/a'] });
  const d = r.jobs[0]!.datasets;
  assert.deepEqual(d.map((x) => [x.dataset, x.selected, x.reason]), [['tank/a', true, 'pattern'], ['tank/backup/tank/a', false, 'pattern']]);
  // the config forbids a filter that selects its own root_fs; the decision still guards it (as the planner does)
  const loose = structuredClone(config.jobs[1]!);
  loose.source.filesystems['tank/backup/x'] = true;
  const own = computeJobFilesystems(loose, ['tank/backup/x'], 'input', null).datasets[0]!;
  assert.deepEqual([own.selected, own.pattern, own.reason], [false, 'tank/backup/x', 'own_target']);
  assert.match(renderFilesystemsHuman({ formatVersion: 1, configFile: 'z', jobs: [computeJobFilesystems(loose, ['tank/backup/x'], 'input', null)] }, { color: false }),
    /- tank\/backup\/x {2}"tank\/backup\/x": true, but it is inside the job's own root_fs tank\/backup/);
});

test('a source host that cannot be listed: that job carries the error, the others are decided', async () => {
  const broken = src();
  broken.list = async () => { throw new ZformError('zfs', 'zfs list on local: cannot open pool'); };
  const r = await report(['j'], {}, pool(broken));
  assert.equal(r.jobs[0]!.error, 'zfs list on local: cannot open pool');
  assert.deepEqual(r.jobs[0]!.datasets, []);
  assert.match(renderFilesystemsHuman(r, { color: false }), /error: local could not be listed: zfs list on local: cannot open pool/);
});

test('human view: +/- per dataset with the deciding pattern, the scope, a count', async () => {
  const text = renderFilesystemsHuman(await report(['j']), { color: false });
  assert.equal(text, `job j (source local; filesystems "tank/data<": true, "tank/data/tmp<": false, "tank/data/tmp/keep": true, "tank/vm": true)
  tested: tank/data, tank/vm on local (--all: every pool)
  + tank/data           selected by "tank/data<": true
  + tank/data/a         selected by "tank/data<": true
  - tank/data/tmp       rejected by "tank/data/tmp<": false
  + tank/data/tmp/keep  selected by "tank/data/tmp/keep": true
  - tank/data/tmp/x     rejected by "tank/data/tmp<": false
  + tank/vm             selected by "tank/vm": true
  - tank/vm/disk0       no pattern covers it
  4 of 7 datasets selected
`);
});

async function cli(args: string[], files: Record<string, string> = {}): ReturnType<typeof runCli> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/zform-fs-test-');
  for (const [n, t] of Object.entries(files)) writeFileSync(`${dir}/${n}`, t);
  return runCli(args.map((a) => a.replace('DIR', dir)));
}

test('CLI: --input needs no ZFS; a bad name, an unknown job and --input with --all are usage errors (64)', async () => {
  const ok = await cli(['test', 'filesystems', '-c', 'DIR/z.yml', '--job', 'j', '--input', 'tank/data/x', '--json'], { 'z.yml': YAML });
  assert.equal(ok.code, 0, ok.err);
  assert.equal((JSON.parse(ok.out) as FilesystemsReport).jobs[0]!.datasets[0]!.pattern, 'tank/data<');
  const bad = await cli(['test', 'filesystems', '-c', 'DIR/z.yml', '--input', 'tank@x'], { 'z.yml': YAML });
  assert.equal(bad.code, 64);
  assert.match(bad.err, /^zform: --input "tank@x": /);
  const unknown = await cli(['test', 'filesystems', '-c', 'DIR/z.yml', '--job', 'nope', '--input', 'tank'], { 'z.yml': YAML });
  assert.equal(unknown.code, 64);
  assert.match(unknown.err, /unknown job "nope"/);
  assert.equal((await cli(['test', 'filesystems', '-c', 'DIR/z.yml', '--all', '--input', 'tank'], { 'z.yml': YAML })).code, 64);
  const none = await cli(['test', '-c', 'DIR/z.yml'], { 'z.yml': YAML });
  assert.equal(none.code, 64);
});
