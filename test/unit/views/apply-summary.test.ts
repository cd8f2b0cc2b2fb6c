// The last lines of a human apply: what was done (or that nothing changed), then one line per problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderApplySummary } from '../../../src/views/apply-human.js';
import { createJsonApplyView } from '../../../src/views/apply-json.js';
import { captureIo } from '../../support/terminal.js';
import { emptyTotals, type ApplyResult, type DatasetOutcome } from '../../../src/apply/events.js';

function result(over: Partial<ApplyResult>): ApplyResult {
  return { outcomes: [], snapshotFailures: [], totals: emptyTotals(), interrupted: false, ...over };
}

const skipped: DatasetOutcome = { job: 'bk', source: 'sp/a', target: 'tp/b/sp/a', status: 'skipped', reason: 'snapshot of pool sp failed', actionsDone: 0, actionsTotal: 3 };

test('a failed apply that changed nothing says so, without "done" after it', () => {
  const out = renderApplySummary(result({ outcomes: [skipped], snapshotFailures: ['bk: snapshot of pool sp failed: out of space'] }), false);
  assert.equal(out, [
    '',
    'Apply failed: nothing changed; 2 problem(s):',
    '  error bk: snapshot of pool sp failed: out of space',
    '  skipped bk: tp/b/sp/a: snapshot of pool sp failed',
    '',
  ].join('\n'));
});

test('a failed apply that did something lists it as done', () => {
  const out = renderApplySummary(result({ outcomes: [skipped], totals: { ...emptyTotals(), snapshots: 2, holds: 1 } }), false);
  assert.match(out, /^\nApply failed: 2 snapshots, 1 hold done; 1 problem\(s\):\n {2}skipped bk: tp\/b\/sp\/a: /);
});

test('an interrupted apply: "nothing changed." or what was done', () => {
  const none = renderApplySummary(result({ interrupted: true, outcomes: [{ ...skipped, status: 'interrupted', reason: null }] }), false);
  assert.match(none, /^\nApply interrupted: nothing changed\.\n1 dataset\(s\) not completed; /);
  const some = renderApplySummary(result({ interrupted: true, totals: { ...emptyTotals(), sends: 1, bytes: 2048 } }), false);
  assert.match(some, /^\nApply interrupted: 1 send \(2\.0 KiB\) done\.\n/);
});

test('a complete apply names its totals, or that nothing changed', () => {
  assert.equal(renderApplySummary(result({}), false), '\nApply complete! nothing changed.\n');
  assert.equal(renderApplySummary(result({ totals: { ...emptyTotals(), destroys: 3 } }), false), '\nApply complete! 3 destroys.\n');
});

test('--json: the change_summary message says what the human summary says (interrupted, failed: what was done)', () => {
  const message = (r: ApplyResult): unknown => {
    const { io, out } = captureIo();
    createJsonApplyView(io).finish(r, new Date('2026-12-06T10:00:00Z'));
    return (JSON.parse(out()) as { '@message': unknown })['@message'];
  };
  assert.equal(message(result({ interrupted: true, totals: { ...emptyTotals(), holds: 2 } })), 'Apply interrupted: 2 holds done');
  assert.equal(message(result({ interrupted: true })), 'Apply interrupted: nothing changed');
  assert.equal(message(result({ totals: { ...emptyTotals(), holds: 2 } })), 'Apply finished: 2 holds');
  assert.equal(message(result({ outcomes: [skipped], snapshotFailures: ['bk: snapshot of pool sp failed: out of space'], totals: { ...emptyTotals(), holds: 2 } })), 'Apply failed: 2 holds done; 2 problem(s)');
});
