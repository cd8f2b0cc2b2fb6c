// The plan views written piece by piece (zform plan, apply's plan display) are exactly the one-string views:
// the golden scenarios, JSON's corner cases, and `zform plan` itself over a first prune of a benchmark inventory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { renderPlanHuman, renderPlanHumanPieces, writePlanHuman } from '../../../src/views/plan-human.js';
import { WRITE_CHARS, writePieces } from '../../../src/views/write-pieces.js';
import { jsonPieces, renderPlanJson, renderPlanJsonPieces } from '../../../src/views/plan-json.js';
import { writeInventory } from '../../../bench/lib/make-inventory.js';
import { run } from '../../../src/cli.js';
import type { Io } from '../../../src/io.js';
import type { Plan } from '../../../src/plan/types.js';
import { SCENARIOS } from './scenarios.js';

const GOLDEN = new URL('../../../../test/unit/plan/golden/', import.meta.url);
const STANDIN = fileURLToPath(new URL('../../../../bench/lib/zfs-standin', import.meta.url));

/** A sink that keeps every write apart. */
function sink(): { write(text: string): void; writes: string[] } {
  const writes: string[] = [];
  return { writes, write: (text) => { writes.push(text); } };
}

for (const [name, make] of Object.entries(SCENARIOS)) {
  test(`streamed views equal the golden texts: ${name}`, () => {
    const human = readFileSync(new URL(`${name}.txt`, GOLDEN), 'utf8');
    for (const color of [false, true]) {
      const s = sink();
      writePlanHuman(make(), { color }, s);
      assert.equal(s.writes.join(''), renderPlanHuman(make(), { color }));
    }
    const s = sink();
    writePlanHuman(make(), { color: false }, s);
    assert.equal(s.writes.join(''), human);
    assert.equal([...renderPlanJsonPieces(make())].join('') + '\n', readFileSync(new URL(`${name}.json`, GOLDEN), 'utf8'));
  });
}

test('the human view comes in one piece per dataset with actions (plus legend, job headers, diagnostics, summary)', () => {
  const p = SCENARIOS.rich!();
  const withActions = p.jobs.reduce((n, j) => n + j.datasets.filter((d) => d.actions.length > 0).length, 0);
  const pieces = [...renderPlanHumanPieces(p, { color: false })];
  assert.ok(withActions >= 3);
  assert.equal(pieces.length, 1 + p.jobs.length + withActions + p.jobs.length + 1);
  // every non-empty piece is whole lines
  for (const x of pieces) assert.ok(x === '' || x.endsWith('\n'), JSON.stringify(x));
  assert.ok(pieces.some((x) => /^  # tank\/db → nas:\S+\n  [^\n]+\n/.test(x)), pieces.join('|'));
});

test('jsonPieces is JSON.stringify(v, null, 2) at any depth, with empty, omitted and nested values', () => {
  const values: unknown[] = [
    null, 1, 'a\nb "q"', [], {}, [[]], [{}], { a: undefined, b: () => 1, c: [undefined, () => 1, 2], d: { e: [] } },
    { x: [{ y: [{ z: 'new\nline', w: null }], v: {} }, 3, 'é\u2028'], date: new Date(0), u: undefined },
    { only: undefined }, [1, [2, [3, [4, { five: [5] }]]]],
  ];
  for (const v of values) {
    for (let depth = 0; depth <= 6; depth++) assert.equal([...jsonPieces(v, '', depth)].join(''), JSON.stringify(v, null, 2), `${JSON.stringify(v)} at depth ${depth}`);
  }
  for (const make of Object.values(SCENARIOS)) assert.equal([...renderPlanJsonPieces(make())].join(''), renderPlanJson(make()));
});

test('writePieces: everything in order, in writes of at least WRITE_CHARS characters but the last, each under 128 KiB even two bytes a character', () => {
  const pieces = Array.from({ length: 5000 }, (_, i) => `line ${i} → ${'x'.repeat(i % 97)}\n`);
  const s = sink();
  writePieces(pieces, s);
  assert.equal(s.writes.join(''), pieces.join(''));
  assert.ok(s.writes.length > 2);
  s.writes.slice(0, -1).forEach((w) => assert.ok(w.length >= WRITE_CHARS && w.length < WRITE_CHARS + 200, String(w.length)));
  s.writes.forEach((w) => assert.ok(w.length * 2 < 128 * 1024, String(w.length)));
  const none = sink();
  writePieces(['', ''], none);
  assert.deepEqual(none.writes, []);
});

test('zform plan writes a first prune piece by piece, the same text as the one-string views (human and --json)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zform-stream-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(STANDIN, join(dir, 'bin', 'zfs'));
  const data = join(dir, 'data');
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  writeInventory(data, { datasets: 120, snapshots: 100, now, job: 'bench', pruning: 'first' });
  const saved = { PATH: process.env.PATH, data: process.env.ZFORM_BENCH_DATA, log: process.env.ZFORM_BENCH_LOG };
  process.env.PATH = `${join(dir, 'bin')}:${process.env.PATH}`;
  process.env.ZFORM_BENCH_DATA = data;
  delete process.env.ZFORM_BENCH_LOG;
  t.after(() => {
    process.env.PATH = saved.PATH;
    for (const [k, v] of [['ZFORM_BENCH_DATA', saved.data], ['ZFORM_BENCH_LOG', saved.log]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
  const zform = async (args: string[]) => {
    const writes: string[] = [];
    const stdout = new Writable({ write(chunk, _enc, done) { writes.push(String(chunk)); done(); } });
    const err: string[] = [];
    const stderr = new Writable({ write(chunk, _enc, done) { err.push(String(chunk)); done(); } });
    const io: Io = { stdout, stderr, stdin: new PassThrough(), env: { NO_COLOR: '1' }, now: () => new Date(now) };
    const code = await run(['plan', '-c', join(data, 'zform.yml'), ...args], io);
    assert.equal(code, 0, err.join(''));
    return writes;
  };
  const json = await zform(['--json']);
  const text = json.join('');
  const plan = JSON.parse(text) as Plan;
  assert.ok(plan.summary.destroys > 100 * 120, String(plan.summary.destroys));
  assert.equal(text, renderPlanJson(plan) + '\n');
  assert.ok(json.length > 10, `${json.length} writes`);
  const human = await zform([]);
  const note = '\nNote: You didn\'t use the --out option';
  const shown = human.join('');
  assert.equal(shown.slice(0, shown.indexOf(note)), renderPlanHuman(plan, { color: false }));
  assert.ok(human.length > 10, `${human.length} writes`);
});
