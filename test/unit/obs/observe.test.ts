// A run's logs and trace against FakeHost: every zfs command of apply names its job, dataset and step;
// the trace is valid Trace Event Format whose spans nest (run > job > step > zfs; dataset > step > zfs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/parse.js';
import { FakeHost } from '../../support/fake-zfs/host.js';
import { staticHosts } from '../../../src/hosts.js';
import { planNow } from '../../../src/commands/planning.js';
import { applyPlan } from '../../../src/apply/execute.js';
import { Observability } from '../../../src/obs/observe.js';
import type { TraceDocument, TraceEvent } from '../../../src/obs/trace.js';
import { assertTraceStructure, within } from '../../support/trace-check.js';
import type { Io } from '../../../src/io.js';
import type { LogFormat, LogLevel } from '../../../src/obs/log-format.js';
import { captureStream } from '../../support/terminal.js';

const YAML = `
hosts:
  nas:
    ssh: { host: nas.example.org, known_hosts: /dev/null }
jobs:
  - name: j
    source: { host: local, filesystems: { "tank/a<": true } }
    target: { host: nas, root_fs: backup }
`;

async function runWorld(opts: { format: LogFormat; level: LogLevel; traceFile?: string; fail?: boolean }) {
  const now = new Date('2026-11-21T12:00:00Z');
  const { stream: stderr, text: written } = captureStream();
  const obs = new Observability({ format: opts.format, level: opts.level, stderr, clock: () => now, traceFile: opts.traceFile, pid: 4242, argv: ['apply'] });
  await obs.start();
  const src = new FakeHost('local', { clock: () => now, observer: obs.observer })
    .apply('pool tank', 'create tank/a', 'create tank/a/b', 'write tank/a 100K', 'write tank/a/b 50K', 'snapshot tank/a@s1 tank/a/b@s1');
  const dst = new FakeHost('nas', { clock: () => now, observer: obs.observer }).apply('pool backup');
  if (opts.fail) dst.apply('create backup/tank', 'create backup/tank/a', 'write backup/tank/a 10K', 'snapshot backup/tank/a@other');
  const config = parseConfig(YAML, 'zform.yml');
  const hosts = staticHosts({ local: src, nas: dst });
  const io = { now: () => now } as Io;
  const plan = await planNow(config, hosts, io, { jobs: ['j'], allowRollback: false, obs });
  const result = await applyPlan(plan, config, { hosts, hooks: obs.onApplyEvent, clock: () => now });
  const traced = await obs.finish('apply', 0);
  return { text: written(), plan, result, traced };
}

test('json logs at debug: every line parses; every zfs command of apply carries job, dataset and its step id', async () => {
  const { text, plan } = await runWorld({ format: 'json', level: 'debug' });
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const l of lines) {
    assert.match(String(l.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(String(l.level)));
  }
  const zfs = lines.filter((l) => l.msg === 'zfs');
  const ids = new Set(plan.jobs[0]!.datasets.flatMap((d) => d.actions.map((a) => a.id)).concat(plan.jobs[0]!.snapshots.map((a) => a.id)));
  const planning = zfs.filter((l) => l.step === undefined);
  const applying = zfs.filter((l) => l.step !== undefined);
  assert.ok(planning.length > 0 && applying.length > 0);
  for (const l of planning) assert.deepEqual(Object.keys(l).sort(), ['argv', 'duration_ms', 'exit', 'host', 'level', 'msg', 'time']);
  for (const l of applying) {
    assert.equal(l.job, 'j');
    assert.ok(ids.has(String(l.step)), `step ${String(l.step)} is one of the plan's actions`);
    assert.ok(Array.isArray(l.argv) && (l.argv as string[])[0] === 'zfs');
    assert.ok(['local', 'nas'].includes(String(l.host)));
    assert.equal(typeof l.duration_ms, 'number');
  }
  // both ends of a send are tagged with the send's step and its target dataset
  const send = plan.jobs[0]!.datasets.flatMap((d) => d.actions).find((a) => a.kind === 'send' && a.targetDataset === 'backup/tank/a')!;
  const ends = applying.filter((l) => l.step === send.id).map((l) => `${String(l.host)} ${(l.argv as string[])[1]}`);
  assert.ok(ends.includes('local send') && ends.includes('nas receive'), ends.join(', '));
  for (const l of applying.filter((x) => x.step === send.id)) assert.equal(l.dataset, 'backup/tank/a');
  // steps: a start (debug) and a done (info) per action, with the step id and a duration
  const done = lines.filter((l) => String(l.msg).startsWith('done '));
  assert.deepEqual(new Set(done.map((l) => l.step)), ids);
  for (const l of done) { assert.equal(l.level, 'info'); assert.equal(typeof l.duration_ms, 'number'); }
  assert.deepEqual(lines.filter((l) => l.msg === 'planned').map((l) => [l.level, l.job, l.actions]), [['info', 'j', ids.size]]);
});

test('default level warn: a successful run writes nothing; a conflict and a failed step are warnings', async () => {
  assert.equal((await runWorld({ format: 'logfmt', level: 'warn' })).text, '');
  const { text, result } = await runWorld({ format: 'logfmt', level: 'warn', fail: true });
  assert.ok(result.outcomes.some((o) => o.status === 'conflict'));
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length > 0);
  for (const l of lines) assert.match(l, /^time=\S+ level=warn msg=/);
  assert.ok(lines.some((l) => / job=j dataset=backup\/tank\/a( |$)/.test(l)), text);
});


test('trace: valid Trace Event Format; run, phases, job, one lane per dataset chain, steps holding their zfs commands', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zform-trace-'));
  const file = join(dir, 'run.trace.json');
  const { plan, traced } = await runWorld({ format: 'human', level: 'warn', traceFile: file });
  assert.equal(traced, true);
  const doc = JSON.parse(await readFile(file, 'utf8')) as TraceDocument;
  assertTraceStructure(doc, 4242);
  const X = doc.traceEvents.filter((e) => e.ph === 'X');
  const cat = (c: string) => X.filter((e) => e.cat === c);
  const [run] = cat('run');
  assert.equal(run!.name, 'zform apply');
  assert.equal(doc.otherData.command, 'zform apply');
  for (const e of X) if (e.tid === run!.tid) assert.ok(within(e, run!), `${e.name} inside the run`);
  assert.deepEqual(cat('phase').map((e) => e.name), ['list', 'compute plan']);
  assert.deepEqual(cat('job').map((e) => e.name), ['job j']);
  const chains = plan.jobs[0]!.datasets.filter((d) => d.actions.length > 0);
  // concurrent commands of one lane (source and target listed at once) may open overflow lanes "<lane> (2)"
  const lanes = [...new Set(doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => (e.args as { name: string }).name.replace(/ \(\d+\)$/, '')))];
  assert.deepEqual(lanes.sort(), ['zform', ...chains.map((d) => (d.source ? `j: ${d.source} → ${d.target}` : `j: ${d.target} (placeholder)`))].sort());
  assert.equal(cat('dataset').length, chains.length);
  const steps = cat('step');
  assert.equal(steps.length, chains.reduce((n, d) => n + d.actions.length, plan.jobs[0]!.snapshots.length));
  for (const s of steps) {
    const ds = cat('dataset').find((d) => d.tid === s.tid);
    if (ds) assert.ok(within(s, ds), `${s.name} inside its dataset span`);
    else assert.ok(within(s, cat('job')[0]!), `${s.name} (no dataset) inside the job span`);
  }
  const zfs = cat('zfs');
  const listing = zfs.filter((z) => !(z.args as { step?: string }).step);
  assert.ok(listing.length > 0);
  // concurrent commands (source and target listed at once, a send and its receive) may sit on an overflow lane of
  // their span's lane: in time they are inside it
  const during = (inner: TraceEvent, outer: TraceEvent) => outer.ts <= inner.ts && inner.ts + inner.dur! <= outer.ts + outer.dur!;
  for (const z of listing) assert.ok(during(z, run!), `${z.name} inside the run`);
  for (const z of zfs.filter((x) => (x.args as { step?: string }).step)) {
    const a = z.args as { step: string; argv: string[]; host: string };
    assert.equal(a.argv[0], 'zfs');
    assert.equal(z.name, `zfs ${a.argv[1]}`);
    const step = steps.find((s) => (s.args as { step: string }).step === a.step);
    assert.ok(step && during(z, step), `${z.name} inside step ${a.step}`);
  }
});

test('trace: a path that cannot be written fails before the run does anything', async () => {
  const obs = new Observability({ format: 'human', level: 'warn', stderr: new PassThrough(), clock: () => new Date(), traceFile: '/nonexistent-dir/x.json' });
  await assert.rejects(obs.start(), (err: Error & { kind?: string }) => err.kind === 'usage' && /^--trace \/nonexistent-dir\/x\.json: the folder \/nonexistent-dir does not exist$/.test(err.message));
});
