// Saved plans (`zform plan --out FILE`, `zform apply FILE`): write safely (src/fsafe.ts), read and check strictly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PLAN_FORMAT_VERSION, type Plan } from './plan/types.js';
import { UsageError } from './errors.js';
import { packageFile } from './paths.js';
import { readInputBytes, writeFileSafely } from './fsafe.js';
import { parseJsonBuffer } from './json-buffer.js';
import { renderPlanJsonPieces } from './views/plan-json.js';

// ajv, loaded only when a plan file is read (`zform plan --out` and other commands never load it)
const require = createRequire(packageFile('package.json'));

let validator: ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | null = null;
function validatePlan(v: unknown) {
  if (!validator) {
    const schema = JSON.parse(readFileSync(packageFile('schemas/plan.schema.json'), 'utf8'));
    const { Ajv } = require('ajv') as typeof import('ajv');
    validator = new (Ajv as unknown as new (o: object) => { compile(s: object): typeof validator })({ allErrors: false, strict: false }).compile(schema);
  }
  const ok = validator!(v);
  return ok ? null : validator!.errors?.[0] ?? { instancePath: '', message: 'invalid' };
}

/** Writes the plan (renderPlanJson's text and a newline) safely, 0600: only its owner may read or change it. A
 *  failure (a full disk, the folder removed since the run began) is one line naming the file, exit 1. */
export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  await writeFileSafely(file, (function* () { yield* renderPlanJsonPieces(plan); yield '\n'; })(), { mode: 0o600, what: 'plan file' });
}

/** Reads a saved plan; anything that is not a zform plan of a supported version is a usage error. */
export async function readPlanFile(file: string): Promise<Plan> {
  let bytes: Buffer;
  try {
    // a regular file only: a FIFO planted in a shared folder would block the run, a device would be read for ever;
    // as bytes: a plan at scale is longer than a string can be (589 MB for a first prune of 10,000 datasets)
    bytes = await readInputBytes(file);
  } catch (e) {
    throw new UsageError(`cannot read plan file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  // a config given where a plan file goes (`zform apply zform.yml`): say how to apply a config
  const asConfig = `${file} is a zform config, not a plan file: to plan and apply it, run "zform apply -c ${file}"`;
  const head = bytes.toString('utf8', 0, Math.min(bytes.length, 1 << 20));
  const looksLikeConfig = !/^\s*\{/.test(head) && /^jobs\s*:/m.test(head);
  let value: unknown;
  try {
    value = parseJsonBuffer(bytes);
  } catch (e) {
    // never the file's own text: JSON.parse quotes it, and a plan file read through sudo may be a file its caller
    // cannot read (only where it stops)
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    const where = at !== undefined ? ` at byte ${at}` : /end of JSON input/.test((e as Error).message) ? ' (it ends too early)' : '';
    throw new UsageError(looksLikeConfig ? asConfig : `${file} is not a zform plan file: not valid JSON${where}`);
  }
  const v = value as { formatVersion?: unknown };
  if (typeof value !== 'object' || value === null || !('formatVersion' in v)) {
    throw new UsageError(looksLikeConfig ? asConfig : `${file} is not a zform plan file (no formatVersion)`);
  }
  if (v.formatVersion !== PLAN_FORMAT_VERSION) {
    const f = v.formatVersion;
    const shown = typeof f === 'number' ? String(f) : typeof f === 'string' ? JSON.stringify(f.slice(0, 40)) : f === null ? 'null' : `(${Array.isArray(f) ? 'a list' : typeof f === 'object' ? 'an object' : `a ${typeof f}`})`;
    throw new UsageError(`${file} has plan format ${shown}; this zform reads format ${PLAN_FORMAT_VERSION}: plan again`);
  }
  const err = validatePlan(value);
  if (err) throw new UsageError(`${file} is not a valid zform plan: ${err.instancePath || '/'} ${err.message ?? ''}`.trim());
  return value as Plan;
}
