// The exposition writer against a strict independent reader: escaping, HELP/TYPE, families left out when empty,
// invalid names refused; the apply collector's figures from events; atomic writes; carrying the last success over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSamples, renderExposition, type MetricFamily } from '../../../src/metrics/exposition.js';
import { writeMetricsFile } from '../../../src/metrics/write.js';
import { createApplyMetrics } from '../../../src/metrics/apply.js';
import type { ApplyEvent, ApplyResult } from '../../../src/apply/events.js';
import { emptyTotals } from '../../../src/apply/events.js';
import type { Action } from '../../../src/plan/types.js';
import { parseExposition } from '../../support/exposition-check.js';

const hostile = 'tank/we"ird\\na\nme';

test('label values with quotes, backslashes and newlines round-trip through a strict reader', () => {
  const text = renderExposition([
    { name: 'zform_x_seconds', type: 'gauge', help: 'A help with a \\ backslash\nand a newline.', samples: [{ labels: { job: 'j', dataset: hostile }, value: 1.5 }, { labels: { job: 'k', dataset: 'a' }, value: NaN }] },
    { name: 'zform_empty', type: 'gauge', help: 'never printed', samples: [] },
    { name: 'zform_plain', type: 'counter', help: 'no labels', samples: [{ labels: {}, value: 3 }] },
  ]);
  const fams = parseExposition(text);
  assert.deepEqual([...fams.keys()], ['zform_x_seconds', 'zform_plain'], 'a family without samples is left out');
  const x = fams.get('zform_x_seconds')!;
  assert.equal(x.type, 'gauge');
  assert.equal(x.help, 'A help with a \\\\ backslash\\nand a newline.');
  assert.equal(x.samples[0]!.labels.dataset, hostile);
  assert.equal(x.samples[0]!.value, 1.5);
  assert.ok(Number.isNaN(x.samples[1]!.value));
  assert.deepEqual(parseSamples(text, 'zform_x_seconds')[0], { labels: { job: 'j', dataset: hostile }, value: 1.5 });
  assert.equal(text.split('\n').filter((l) => l.includes('\n')).length, 0);
});

test('the strict reader refuses what the collector refuses (so the checks above mean something)', () => {
  assert.throws(() => parseExposition('zform_a{job="x} 1\n'), /unterminated/);
  assert.throws(() => parseExposition('zform_a{job="\\t"} 1\n'), /bad escape/);
  assert.throws(() => parseExposition('zform_a 1\nzform_b 1\nzform_a{x="1"} 2\n'), /not together/);
  assert.throws(() => parseExposition('zform_a 1\n# TYPE zform_a gauge\n'), /after its samples/);
  assert.throws(() => parseExposition('zform_a 1\nzform_a 2\n'), /duplicate series/);
  assert.throws(() => parseExposition('zform_a one\n'), /bad value/);
  assert.throws(() => parseExposition('zform_a 1'), /newline/);
});

test('invalid metric and label names are refused by the writer', () => {
  const fam = (name: string, labels: Record<string, string> = {}): MetricFamily[] => [{ name, type: 'gauge', help: 'h', samples: [{ labels, value: 1 }] }];
  assert.throws(() => renderExposition(fam('zform-bad')), /invalid metric name/);
  assert.throws(() => renderExposition(fam('zform_ok', { 'data-set': 'x' })), /invalid label name/);
  assert.throws(() => renderExposition(fam('zform_ok', { __name: 'x' })), /invalid label name/);
  assert.throws(() => renderExposition([...fam('zform_a'), ...fam('zform_a')]), /twice/);
});

test('writeMetricsFile replaces the file by rename and leaves no temporary file behind', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'zform-metrics-'));
  const file = path.join(dir, 'zform.prom');
  writeFileSync(file, 'old\n');
  await writeMetricsFile(file, 'zform_a 1\n');
  assert.equal(readFileSync(file, 'utf8'), 'zform_a 1\n');
  assert.deepEqual(readdirSync(dir), ['zform.prom']);
  await assert.rejects(writeMetricsFile(path.join(dir, 'missing', 'x.prom'), 'x'), /cannot write the metrics file/);
  assert.deepEqual(readdirSync(dir), ['zform.prom']);
});

const send = { id: 'j:3', host: 'local', side: 'source', kind: 'send' } as unknown as Action;
const hold = { id: 'j:2', host: 'local', side: 'source', kind: 'hold' } as unknown as Action;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function result(outcomes: [string, ApplyResult['outcomes'][number]['status']][], snapshotFailures: string[] = []): ApplyResult {
  return {
    outcomes: outcomes.map(([job, status], i) => ({ job, source: `tank/${i}`, target: `backup/tank/${i}`, status, reason: null, actionsDone: 0, actionsTotal: 0 })),
    snapshotFailures, totals: emptyTotals(), interrupted: false,
  };
}

test('apply metrics: duration, bytes and sends from the events; outcomes per job; last success carried over when a job fails', () => {
  const m = createApplyMetrics();
  const events: ApplyEvent[] = [
    { type: 'apply_start', at: at(10), job: 'j', dataset: 'tank/a', action: hold },
    { type: 'apply_complete', at: at(11), job: 'j', dataset: 'tank/a', action: hold, bytes: null, elapsedMs: 1000 },
    { type: 'apply_start', at: at(11), job: 'j', dataset: 'tank/a', action: send },
    { type: 'apply_complete', at: at(40), job: 'j', dataset: 'tank/a', action: send, bytes: 5000, elapsedMs: 29000 },
    { type: 'apply_start', at: at(41), job: 'j', dataset: 'tank/b', action: send },
    { type: 'apply_complete', at: at(45), job: 'j', dataset: 'tank/b', action: send, bytes: 700, elapsedMs: 4000 },
    { type: 'apply_start', at: at(50), job: 'k', dataset: 'tank/c', action: send },
    { type: 'apply_errored', at: at(52), job: 'k', dataset: 'tank/c', action: send, error: 'out of space', elapsedMs: 2000 },
  ];
  events.forEach((e) => m.onEvent(e));
  const previous = renderExposition([{ name: 'zform_apply_last_success_timestamp_seconds', type: 'gauge', help: 'h', samples: [{ labels: { job: 'k' }, value: 1700000000 }, { labels: { job: 'gone' }, value: 1 }] }]);
  const text = renderExposition(m.finish(['j', 'k', 'idle'], result([['j', 'ok'], ['j', 'ok'], ['k', 'failed'], ['idle', 'unchanged']]), at(60), previous));
  const fams = parseExposition(text);
  const val = (name: string, labels: Record<string, string>) => fams.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  assert.equal(val('zform_apply_duration_seconds', { job: 'j' }), 35);
  assert.equal(val('zform_apply_duration_seconds', { job: 'idle' }), 0);
  assert.equal(val('zform_apply_sent_bytes', { job: 'j' }), 5700);
  assert.equal(val('zform_apply_sends', { job: 'j' }), 2);
  assert.equal(val('zform_apply_sends', { job: 'k' }), 0);
  assert.equal(val('zform_apply_success', { job: 'j' }), 1);
  assert.equal(val('zform_apply_success', { job: 'k' }), 0);
  assert.equal(val('zform_apply_success', { job: 'idle' }), 1);
  const end = at(60).getTime() / 1000;
  assert.equal(val('zform_apply_last_success_timestamp_seconds', { job: 'j' }), end);
  assert.equal(val('zform_apply_last_success_timestamp_seconds', { job: 'k' }), 1700000000, 'carried over from the previous file');
  assert.equal(val('zform_apply_last_success_timestamp_seconds', { job: 'gone' }), undefined, 'jobs not in this run are not carried');
  assert.equal(val('zform_apply_datasets', { job: 'j', outcome: 'ok' }), 2);
  assert.equal(val('zform_apply_datasets', { job: 'k', outcome: 'failed' }), 1);
  assert.equal(val('zform_apply_datasets', { job: 'k', outcome: 'ok' }), 0);
  assert.equal(val('zform_apply_timestamp_seconds', { job: 'k' }), end);
  for (const f of fams.values()) assert.ok(f.help && f.type === 'gauge' && f.name.startsWith('zform_'), f.name);
});

test('apply metrics: a failed snapshot batch makes the job unsuccessful, and without a previous file it has no last success', () => {
  const m = createApplyMetrics();
  const fams = parseExposition(renderExposition(m.finish(['j'], result([['j', 'ok']], ['j: snapshot of pool tank failed: x']), at(5), '')));
  assert.equal(fams.get('zform_apply_success')!.samples[0]!.value, 0);
  assert.equal(fams.get('zform_apply_last_success_timestamp_seconds'), undefined);
});
