// The plan as one JSON document (schemas/plan.schema.json): the Plan value itself, 2-space indented.
import type { Plan } from '../plan/types.js';

/** Stable output: computePlan builds every object with a fixed key order, and GUIDs are strings. No trailing newline. */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}
