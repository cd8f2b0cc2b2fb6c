// Golden files pin the human (colour off) and JSON output of a few rich plans; the JSON schema validates them.
// Rewrite them with UPDATE_GOLDEN=1 after an intended change, and review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { renderPlanHuman } from '../../../src/views/plan-human.js';
import { renderPlanJson } from '../../../src/views/plan-json.js';
import { SCENARIOS } from './scenarios.js';

// tests run from dist/test/unit/plan; goldens and the schema live in the source tree
const GOLDEN = new URL('../../../../test/unit/plan/golden/', import.meta.url);
const SCHEMA = new URL('../../../../schemas/plan.schema.json', import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
type Validator = ((v: unknown) => boolean) & { errors?: unknown };
function validator(): Validator {
  const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): Validator })({ strict: true, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
}

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (update) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `missing golden file ${name}: run the tests with UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

for (const [name, make] of Object.entries(SCENARIOS)) {
  test(`golden: ${name} (human)`, () => {
    golden(`${name}.txt`, renderPlanHuman(make(), { color: false }));
  });
  test(`golden: ${name} (JSON), valid against schemas/plan.schema.json`, () => {
    const json = renderPlanJson(make()) + '\n';
    golden(`${name}.json`, json);
    const v = validator();
    assert.equal(v(JSON.parse(json)), true, JSON.stringify(v.errors));
  });
}

test('every golden JSON file is valid against the schema (as read back from disk)', () => {
  const v = validator();
  for (const name of Object.keys(SCENARIOS)) {
    const doc = JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN), 'utf8')) as unknown;
    assert.equal(v(doc), true, `${name}.json: ${JSON.stringify(v.errors)}`);
  }
});

test('the goldens cover every action kind', () => {
  const kinds = new Set<string>();
  for (const make of Object.values(SCENARIOS)) {
    for (const j of make().jobs) for (const a of [...j.snapshots, ...j.datasets.flatMap((d) => d.actions)]) kinds.add(a.kind);
  }
  assert.deepEqual([...kinds].sort(), ['abort_resume', 'bookmark', 'create_placeholder', 'destroy_bookmarks', 'destroy_snapshots', 'hold', 'release', 'rollback', 'send', 'snapshot']);
});

test('the schema rejects what is not a plan: numeric GUIDs, unknown kinds, missing fields, a wrong version', () => {
  const v = validator();
  const p = JSON.parse(renderPlanJson(SCENARIOS.rich!())) as { formatVersion: number; jobs: { datasets: { actions: Record<string, unknown>[] }[] }[] };
  const mutate = (f: (doc: typeof p) => void) => { const d = structuredClone(p); f(d); return v(d); };
  assert.equal(mutate(() => undefined), true);
  assert.equal(mutate((d) => { (d.jobs[0]!.datasets[0]!.actions[1]!.to as { guid: unknown }).guid = 12; }), false);
  assert.equal(mutate((d) => { (d.jobs[0]!.datasets[1]!.actions[1]!.from as { guid: unknown }).guid = '0x12'; }), false);
  assert.equal(mutate((d) => { d.jobs[0]!.datasets[0]!.actions[0]!.kind = 'format_disk'; }), false);
  assert.equal(mutate((d) => { delete d.jobs[0]!.datasets[0]!.actions[1]!.reason; }), false);
  assert.equal(mutate((d) => { d.jobs[0]!.datasets[0]!.actions[1]!.extra = true; }), false);
  assert.equal(mutate((d) => { d.formatVersion = 1; }), false);
  assert.equal(mutate((d) => { delete (d as { options?: unknown }).options; }), false);
});

test('JSON output: GUIDs are strings, the document is the Plan value itself', () => {
  const p = SCENARIOS.rich!();
  const text = renderPlanJson(p);
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(p)));
  assert.match(text, /"guid": "10000000000000000001"/);
  assert.doesNotMatch(text, /"guid": \d/);
  assert.ok(text.startsWith('{\n  "formatVersion": 2,\n  "zformVersion": "0.1.0",'));
});
