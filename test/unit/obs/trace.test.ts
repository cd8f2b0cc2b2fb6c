// The trace recorder: spans that overlap without nesting (concurrent commands on one lane) move to overflow
// lanes, so that every lane nests as viewers need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAIN_LANE, TraceRecorder } from '../../../src/obs/trace.js';
import { assertTraceStructure } from '../../support/trace-check.js';

test('overlapping spans on one lane: the later one moves to "<lane> (2)", nested ones stay, a third goes to (3)', () => {
  let now = 1000;
  const t = new TraceRecorder({ pid: 7, now: () => now, startTime: new Date('2026-11-22T00:00:00Z') });
  const lane = t.lane('j: a → b');
  t.complete('step', 'step', lane, 1000, 1010);
  t.complete('zfs send', 'zfs', lane, 1001, 1006);
  t.complete('zfs receive', 'zfs', lane, 1002, 1008); // overlaps send without nesting in it
  t.complete('zfs get', 'zfs', lane, 1008.5, 1009);   // after both: nests in the step
  t.complete('zfs list', 'zfs', MAIN_LANE, 0 + 1000, 1003);
  t.complete('zfs list', 'zfs', MAIN_LANE, 1001, 1004);
  t.complete('zfs get', 'zfs', MAIN_LANE, 1002, 1005);
  now = 1011;
  const doc = t.toJSON();
  assertTraceStructure(doc, 7);
  const laneName = new Map(doc.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, (e.args as { name: string }).name]));
  const where = (name: string) => doc.traceEvents.filter((e) => e.ph === 'X' && e.name === name).map((e) => laneName.get(e.tid));
  assert.deepEqual(where('step'), ['j: a → b']);
  assert.deepEqual(where('zfs send'), ['j: a → b']);
  assert.deepEqual(where('zfs receive'), ['j: a → b (2)']);
  assert.deepEqual(where('zfs get'), ['zform (3)', 'j: a → b']);
  assert.deepEqual(where('zfs list'), ['zform', 'zform (2)']);
  const send = doc.traceEvents.find((e) => e.name === 'zfs send')!;
  assert.deepEqual([send.ts, send.dur], [1000, 5000], 'microseconds from the start');
});
