// The shipped examples validate, complete.yml uses every key, and the schema and man page describe every key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { readConfigSchema } from '../../../src/config/schema.js';

const ROOT = new URL('../../../../', import.meta.url);
const examplesDir = fileURLToPath(new URL('examples/', ROOT));
const EXAMPLES = readdirSync(examplesDir).filter((f) => f.endsWith('.yml')).sort();

test('the four promised examples are shipped', () => {
  for (const name of ['complete.yml', 'local-to-local.yml', 'push-over-ssh.yml', 'snapshot-and-prune.yml']) assert.ok(EXAMPLES.includes(name), name);
});

for (const name of EXAMPLES) {
  test(`example ${name} is valid`, async () => {
    const config = await loadConfig(examplesDir + name);
    assert.ok(config.jobs.length >= 1);
  });
}

test('example job counts and kinds', async () => {
  const jobs = async (n: string) => (await loadConfig(examplesDir + n)).jobs;
  assert.deepEqual((await jobs('local-to-local.yml')).map((j) => j.target), [{ host: 'local', rootFs: 'backup/zform' }]);
  assert.deepEqual((await jobs('push-over-ssh.yml')).map((j) => j.target), [{ host: 'nas', rootFs: 'backup/laptop' }]);
  assert.deepEqual((await jobs('snapshot-and-prune.yml')).map((j) => j.target), [undefined]);
  assert.deepEqual((await jobs('complete.yml')).map((j) => j.name), ['tank_to_nas', 'secrets_offsite', 'home_snapshots']);
});

type SchemaNode = { properties?: Record<string, SchemaNode>; description?: string; [k: string]: unknown };

/** Every `properties` entry of the schema, as [name, node], walking the schema keywords that hold schemas. */
function schemaProperties(node: unknown, out: [string, SchemaNode][] = []): [string, SchemaNode][] {
  if (!node || typeof node !== 'object') return out;
  const n = node as SchemaNode;
  for (const [k, v] of Object.entries(n.properties ?? {})) {
    out.push([k, v]);
    schemaProperties(v, out);
  }
  for (const v of Object.values((n.definitions as Record<string, unknown> | undefined) ?? {})) schemaProperties(v, out);
  for (const key of ['items', 'additionalProperties']) schemaProperties(n[key], out);
  for (const key of ['oneOf', 'anyOf', 'allOf']) for (const v of (n[key] as unknown[] | undefined) ?? []) schemaProperties(v, out);
  return out;
}

/** Keys of a YAML value, skipping user-chosen keys (host names, filter patterns, property names). */
function yamlKeys(value: unknown, parentKey = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => yamlKeys(v, parentKey, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const userKey = ['hosts', 'filesystems', 'override'].includes(parentKey);
      if (!userKey) out.add(k);
      yamlKeys(v, userKey ? '' : k, out);
    }
  }
  return out;
}

test('schema: every property has a description', () => {
  const props = schemaProperties(readConfigSchema());
  assert.ok(props.length > 50);
  for (const [name, node] of props) assert.ok(typeof node.description === 'string' && node.description.length > 0, name);
});

test('complete.yml uses every key of the schema', () => {
  const keys = yamlKeys(parseYaml(readFileSync(examplesDir + 'complete.yml', 'utf8')));
  const missing = [...new Set(schemaProperties(readConfigSchema()).map(([k]) => k))].filter((k) => !keys.has(k));
  assert.deepEqual(missing, []);
});

test('zform.yml(5) names every key of the schema', () => {
  const man = readFileSync(fileURLToPath(new URL('man/zform.yml.5', ROOT)), 'utf8');
  const missing = [...new Set(schemaProperties(readConfigSchema()).map(([k]) => k))].filter((k) => !man.includes(k));
  assert.deepEqual(missing, []);
});
