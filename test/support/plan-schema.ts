// schemas/plan.schema.json as a test check: the errors of a plan's JSON form ([] when it validates).
import { readFileSync } from 'node:fs';
import AjvModule from 'ajv';

const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
type Validate = ((v: unknown) => boolean) & { errors?: unknown[] | null };
let compiled: Validate | null = null;

/** Tests run from dist/test/support: the schema is three levels up. */
export function validatePlanJson(plan: unknown): unknown[] {
  if (!compiled) {
    const ajv = new (Ajv as unknown as new (o: object) => { compile(s: object): Validate })({ strict: true, allErrors: true });
    compiled = ajv.compile(JSON.parse(readFileSync(new URL('../../../schemas/plan.schema.json', import.meta.url), 'utf8')) as object);
  }
  return compiled(JSON.parse(JSON.stringify(plan))) ? [] : [...(compiled.errors ?? [])];
}
