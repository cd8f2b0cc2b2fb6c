// Validates the plain config value against schemas/config.schema.json and words its errors. The validator is the
// one the build generated ahead of time (schema-code.ts); ajv compiles it at run time only when that is missing or
// was made from another schema text.
import { nearest } from '../nearest.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { KeyPath, RawIssue } from './issue.js';
import { packageFile } from '../paths.js';

export const CONFIG_SCHEMA_URL = packageFile('schemas/config.schema.json');
/** Where the build writes the generated validator (src/config/schema-code.ts). */
export const CONFIG_VALIDATOR_URL = packageFile('dist/src/config/config-validator.cjs');
const require = createRequire(packageFile('package.json'));

/** The options the validator is compiled with (at build and in the run-time fallback). */
export const CONFIG_AJV_OPTIONS = { allErrors: true, strict: true, discriminator: true, verbose: true } as const;

/** The hash of the schema text a generated validator was made from (checked before it is used). */
export function computeSchemaHash(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex');
}

interface SchemaDoc { definitions: Record<string, object> }

let compiled: { validate: ValidateFunction; schema: SchemaDoc; text: string } | undefined;

/** The config's JSON schema, as shipped. */
export function readConfigSchema(): SchemaDoc {
  return JSON.parse(readFileSync(CONFIG_SCHEMA_URL, 'utf8')) as SchemaDoc;
}

/** The validator generated at build, if it was made from this schema text. */
function loadGenerated(text: string): ValidateFunction | null {
  let mod: { default?: ValidateFunction; schemaHash?: string };
  try {
    mod = require(fileURLToPath(CONFIG_VALIDATOR_URL)) as typeof mod;
  } catch {
    return null;
  }
  return mod.default && mod.schemaHash === computeSchemaHash(text) ? mod.default : null;
}

function compileNow(schema: object): ValidateFunction {
  const { Ajv } = require('ajv') as typeof import('ajv');
  return new Ajv(CONFIG_AJV_OPTIONS).compile(schema);
}

function compileSchema(): { validate: ValidateFunction; schema: SchemaDoc; text: string } {
  if (!compiled) {
    const text = readFileSync(CONFIG_SCHEMA_URL, 'utf8');
    const schema = JSON.parse(text) as SchemaDoc;
    compiled = { validate: loadGenerated(text) ?? compileNow(schema), schema, text };
  }
  return compiled;
}

/** zrepl keys users will try, and where they live in zform. */
const ZREPL_HINTS: Record<string, string> = {
  send_properties: 'did you mean "properties"?',
  keep_sender: 'did you mean "keep_source"?',
  keep_receiver: 'did you mean "keep_target"?',
  conflict_resolution: 'zform uses "replication.initial" (most_recent or all)',
  connect: 'zform names the target host in "target.host" and defines it under "hosts"',
  global: 'zform has no global section',
};
const JOB_LEVEL_HINTS: Record<string, string> = {
  type: 'zform jobs have no type: a job with a target replicates, a job without one only snapshots and prunes',
  filesystems: 'did you mean "source.filesystems"?',
  root_fs: 'did you mean "target.root_fs"?',
};

/** Edit distance counting an adjacent transposition as one edit ("jbos" → "jobs" is 1). */

function unknownKeyMessage(key: string, parentPath: KeyPath, allowed: string[]): string {
  const base = `unknown key "${key}"`;
  const isJob = parentPath.length === 2 && parentPath[0] === 'jobs';
  // own keys only: a key such as "constructor" or "__proto__" is no hint (Object.prototype has them)
  const hint = (isJob && Object.hasOwn(JOB_LEVEL_HINTS, key) ? JOB_LEVEL_HINTS[key] : undefined) ?? (Object.hasOwn(ZREPL_HINTS, key) ? ZREPL_HINTS[key] : undefined);
  if (hint) return `${base} (${hint})`;
  const near = nearest(key, allowed);
  if (near) return `${base} (did you mean "${near}"?)`;
  if (allowed.length > 0 && allowed.length <= 8) return `${base} (expected one of: ${allowed.join(', ')})`;
  return base;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'must be a string',
  boolean: 'must be true or false',
  integer: 'must be a whole number',
  number: 'must be a number',
  object: 'must be a mapping',
  array: 'must be a list',
};

/** JSON pointer → key path, with list indexes as numbers. */
function toKeyPath(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      path.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      path.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

function issueFor(e: ErrorObject, value: unknown): RawIssue | null {
  const path = toKeyPath(e.instancePath, value);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      return { path: [...path, key], at: 'key', shownPath: path, message: unknownKeyMessage(key, path, Object.keys(props ?? {})) };
    }
    case 'required':
      return { path, at: 'value', message: `missing required key "${String(params.missingProperty)}"` };
    case 'type': {
      if (path.length === 0) {
        if (e.data === null || e.data === undefined) return { path, at: 'value', message: 'the file is empty: a configuration needs at least a "jobs" list' };
        return { path, at: 'value', message: 'the configuration must be a mapping with a "jobs" list' };
      }
      let message = TYPE_WORDS[String(params.type)] ?? `must be of type ${String(params.type)}`;
      if (params.type === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')) message += ` (quote it: "${String(e.data)}")`;
      if ((params.type === 'integer' || params.type === 'number') && typeof e.data === 'string' && /^\d+$/.test(e.data)) message += ' (write it without quotes)';
      return { path, at: 'value', message };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const near = typeof e.data === 'string' ? nearest(e.data, allowed) : undefined;
      return { path, at: 'value', message: `must be one of: ${allowed.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}` };
    }
    case 'minItems':
      if (path.length === 1 && path[0] === 'jobs') return { path, at: 'value', message: 'must list at least one job' };
      return { path, at: 'value', message: `must have at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}` };
    case 'minProperties':
      if (path[path.length - 1] === 'filesystems') return { path, at: 'value', message: 'must have at least one pattern, e.g. "pool/data<": true' };
      return { path, at: 'value', message: 'must not be empty' };
    case 'minLength':
      return { path, at: 'value', message: 'must not be empty' };
    case 'minimum':
      return { path, at: 'value', message: `must be at least ${String(params.limit)}` };
    case 'maximum':
      return { path, at: 'value', message: `must be at most ${String(params.limit)}` };
    case 'const':
      return { path, at: 'value', message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'discriminator':
      // the same problem is reported by `required` or `enum` on the rule's type
      return null;
    default:
      return { path, at: 'value', message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Schema problems of `value`. Durations and sizes are left to the semantic checks, which parse them. */
export function validateConfigSchema(value: unknown): RawIssue[] {
  const { validate, schema } = compileSchema();
  if (validate(value)) return [];
  // compared by value: the generated validator carries its own copy of the schema's objects
  const parsedByChecks = new Set([JSON.stringify(schema.definitions.duration), JSON.stringify(schema.definitions.size)]);
  const errors = (validate.errors ?? []).filter((e) => !parsedByChecks.has(JSON.stringify(e.parentSchema)));
  // a value of the wrong type also fails its enum: say only the first
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const issues: RawIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'enum' && typeErrorAt.has(e.instancePath)) continue;
    const issue = issueFor(e, value);
    if (issue) issues.push(issue);
  }
  return issues;
}
