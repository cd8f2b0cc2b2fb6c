// The config validator generated at build (ajv standalone code, src/config/schema-code.ts) is the one the shipped
// schema makes: the same code as a fresh generation, and the same verdicts and errors as ajv compiling the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CONFIG_VALIDATOR_URL, computeValidatorCode } from '../../../src/config/schema-code.js';
import { CONFIG_AJV_OPTIONS, CONFIG_SCHEMA_URL, computeSchemaHash } from '../../../src/config/schema.js';
import { INVALID_CASES } from './invalid-cases.js';

const schemaText = readFileSync(CONFIG_SCHEMA_URL, 'utf8');
const examplesDir = fileURLToPath(new URL('../../../../examples/', import.meta.url));

test('the build wrote the validator of the shipped schema (npm run build regenerates it)', () => {
  const written = readFileSync(CONFIG_VALIDATOR_URL, 'utf8');
  assert.equal(written, computeValidatorCode(schemaText));
  assert.match(written, new RegExp(`schemaHash = "${computeSchemaHash(schemaText)}"`));
});

test('the generated validator gives the same verdicts and errors as ajv compiling the schema', () => {
  const generated = (createRequire(import.meta.url)(fileURLToPath(CONFIG_VALIDATOR_URL)) as { default: ValidateFunction }).default;
  const compiled = new Ajv(CONFIG_AJV_OPTIONS).compile(JSON.parse(schemaText) as object);
  const values: unknown[] = [
    ...readdirSync(examplesDir).filter((f) => f.endsWith('.yml')).map((f) => parseYaml(readFileSync(examplesDir + f, 'utf8'))),
    // the invalid cases that are YAML at all (some are broken YAML, refused before the schema)
    ...INVALID_CASES.flatMap((c) => { try { return [parseYaml(c.yaml) as unknown]; } catch { return []; } }),
    null, 'jobs', { jobs: [] }, { jobs: [{ name: 'j', source: { filesystems: { 'a<': true } }, snapshots: { interval: 5 } }] },
  ];
  const shape = (errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params, message: e.message, parentSchema: e.parentSchema }));
  let invalid = 0;
  for (const v of values) {
    const ok = generated(v);
    assert.equal(ok, compiled(v), JSON.stringify(v));
    assert.deepEqual(shape(generated.errors), shape(compiled.errors), JSON.stringify(v));
    if (!ok) invalid++;
  }
  assert.ok(invalid > INVALID_CASES.length / 2, `${invalid} invalid values compared`);
});
