// The plan as one JSON document (schemas/plan.schema.json): the Plan value itself, 2-space indented.
import type { Plan } from '../plan/types.js';

/** Stable output: computePlan builds every object with a fixed key order, and GUIDs are strings. No trailing newline. */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}

/**
 * The same text as renderPlanJson, in pieces: the plan, its jobs and their datasets are opened here, each dataset
 * (and every other value) is one JSON.stringify, indented to its depth. A first prune at scale is millions of
 * destroy records, a text of hundreds of MB as one string (close to V8's limit on a string's length).
 */
export function renderPlanJsonPieces(plan: Plan): Generator<string> {
  // plan → jobs → one job → datasets → one dataset (stringified whole)
  return jsonPieces(plan, '', 4);
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** JSON.stringify(value, null, 2) at `indent`, opening objects and arrays `depth` levels deep. */
export function* jsonPieces(value: unknown, indent: string, depth: number): Generator<string> {
  if (depth <= 0 || !isContainer(value)) {
    // JSON text has no raw newline inside a string, so every newline starts a line to indent
    yield JSON.stringify(value, null, 2).replaceAll('\n', '\n' + indent);
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) { yield '[]'; return; }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i > 0 ? ',' : ''}\n${inner}`;
      if (omitted(value[i])) yield 'null';
      else yield* jsonPieces(value[i], inner, depth - 1);
    }
    yield `\n${indent}]`;
    return;
  }
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec).filter((k) => !omitted(rec[k]));
  if (keys.length === 0) { yield '{}'; return; }
  yield '{';
  for (let i = 0; i < keys.length; i++) {
    yield `${i > 0 ? ',' : ''}\n${inner}${JSON.stringify(keys[i])}: `;
    yield* jsonPieces(rec[keys[i]!], inner, depth - 1);
  }
  yield `\n${indent}}`;
}
