// Operating zform on real OpenZFS: the demo (`npm run demo`'s script) runs to its end, and an apply with
// -v --log-format json --trace FILE logs every zfs command with its step and writes a well-formed trace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { createPool, requireGuest, sh, type Pool } from './lib.js';
import { layout } from './layout.js';
import { REPO, Zform, assertExit } from './apply-helpers.js';
import type { TraceDocument } from '../../src/obs/trace.js';
import { assertTraceStructure, within } from '../support/trace-check.js';

requireGuest(import.meta.url);

test('the demo runs to its end: plan, apply, no changes, apply interrupted by SIGINT (exit 130), resume, matching checksums, pools gone', async () => {
  const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn('bash', ['examples/demo/inside.sh'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('close', (code) => resolve({ code, out }));
  });
  assert.equal(r.code, 0, r.out);
  const headers = [...r.out.matchAll(/^######## (.*)$/gm)].map((m) => m[1]!.split(':')[0]);
  assert.deepEqual(headers, ['Two pools on file vdevs', 'zform plan', 'zform apply --auto-approve', 'zform plan again',
    'New data and a new snapshot; an apply interrupted by SIGINT mid-transfer', 'zform plan', 'zform apply', 'zform plan', 'Cleaning up']);
  assert.match(r.out, /^Apply complete! 2 sends/m);
  assert.match(r.out, /^\(exit 130: interrupted by SIGINT/m);
  assert.match(r.out, /"type":"change_summary".*"interrupted":true/);
  assert.match(r.out, /^dst\/backup\/src\/data\t1-[0-9a-f]+/m, 'a resume token after the interruption');
  assert.match(r.out, /~ send resume/, 'the next plan resumes from the token');
  assert.equal([...r.out.matchAll(/^\(exit 0: no changes\)$/gm)].length, 2);
  assert.match(r.out, /^checksums match$/m);
  assert.match(r.out, /demo finished\n$/);
  assert.equal((await sh('zpool list -H -o name')).split('\n').filter((n) => n === 'src' || n === 'dst').length, 0);
});

let pool: Pool;
const z = new Zform();
before(async () => {
  pool = await createPool('zops', { mounted: true });
  await layout(pool, 'data data/a data/b data:data/a=300K data:data/b=100K');
});
after(async () => { await pool?.destroy(); });

test('apply -v --log-format json --trace FILE: stdout is the usual report, stderr JSON lines naming each command\'s step, a trace viewers load', async () => {
  const cfg = z.config('ops.yml', `
jobs:
  - name: ops
    source: { host: local, filesystems: { "zops/data<": true } }
    target: { host: local, root_fs: zops/backup }
    snapshotting: { prefix: zform_, interval: 1h }
`);
  const plan = await z.plan(cfg);
  const ids = new Set(plan.jobs[0]!.snapshots.concat(plan.jobs[0]!.datasets.flatMap((d) => d.actions)).map((a) => a.id));
  const traceFile = z.file('apply.trace.json');
  const run = z.start(['apply', '-c', cfg, '--auto-approve', '-v', '--log-format', 'json', '--trace', traceFile]);
  const r = await run.done;
  assertExit(r, 0, 'apply with logs and trace');
  assert.match(r.stdout, /^Plan: /m);
  assert.match(r.stdout, /^Apply complete! /m);
  assert.doesNotMatch(r.stdout, /"level"/, 'no log line on stdout');
  const lines = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const zfs = lines.filter((l) => l.msg === 'zfs');
  const applying = zfs.filter((l) => l.step !== undefined);
  assert.ok(zfs.some((l) => l.step === undefined && (l.argv as string[])[1] === 'list'), 'planning lists without a step');
  for (const l of applying) {
    assert.equal(l.job, 'ops');
    assert.ok(ids.has(String(l.step)), String(l.step));
    assert.equal(l.exit, 0);
    assert.equal(typeof l.duration_ms, 'number');
  }
  const sends = plan.jobs[0]!.datasets.flatMap((d) => d.actions).filter((a) => a.kind === 'send');
  assert.ok(sends.length >= 2);
  for (const s of sends) {
    const verbs = applying.filter((l) => l.step === s.id).map((l) => (l.argv as string[])[1]);
    assert.ok(verbs.includes('send') && verbs.includes('receive'), `${s.id}: ${verbs.join(' ')}`);
  }
  const doc = JSON.parse(await readFile(traceFile, 'utf8')) as TraceDocument;
  if (process.env.ZFORM_TEST_KEEP_TRACE) await copyFile(traceFile, path.join(REPO, process.env.ZFORM_TEST_KEEP_TRACE));
  assertTraceStructure(doc, run.pid);
  const X = doc.traceEvents.filter((e) => e.ph === 'X');
  const steps = X.filter((e) => e.cat === 'step');
  assert.deepEqual(new Set(steps.map((s) => (s.args as { step: string }).step)), ids);
  for (const s of sends) {
    const span = steps.find((e) => (e.args as { step: string }).step === s.id)!;
    const inside = X.filter((e) => e.cat === 'zfs' && (e.args as { step?: string }).step === s.id);
    assert.deepEqual(inside.map((e) => e.name).filter((n) => n === 'zfs send' || n === 'zfs receive').sort(), ['zfs receive', 'zfs send']);
    // in the step's time; on its lane, or (a receive running alongside its send) on that lane's overflow lane
    const laneName = (tid: number) => String(doc.traceEvents.find((m) => m.ph === 'M' && m.name === 'thread_name' && m.tid === tid)!.args!.name);
    for (const e of inside) {
      assert.ok(within({ ...e, tid: span.tid }, span), `${e.name} inside ${s.id}`);
      assert.ok(laneName(e.tid).startsWith(laneName(span.tid)), `${e.name} on ${laneName(e.tid)}`);
    }
    assert.ok(span.dur! > 0);
  }
  assert.equal(X.filter((e) => e.cat === 'dataset').length, plan.jobs[0]!.datasets.filter((d) => d.actions.length > 0).length);
  const runSpan = X.find((e) => e.cat === 'run')!;
  assert.equal(runSpan.name, 'zform apply');
  assert.deepEqual(runSpan.args, { exit_code: 0 });
  await z.assertNoChanges(cfg);
});
